// Entry point: mount the app, then load state from main through window.api.
import { mount } from 'svelte';
import App from './App.svelte';
import { app } from './lib/app.svelte.ts';
import './app.css';

const target = document.getElementById('app');
if (target === null) throw new Error('index.html has no #app element');
mount(App, { target });
void app.start();
