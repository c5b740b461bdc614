// The entry package.json and electron-builder name (dist/main/app.js). Everything that touches Electron
// lives under main/shell/; the rest of main/ runs in plain Node.
import './shell/app.ts';
