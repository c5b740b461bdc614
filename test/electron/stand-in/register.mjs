// `node --import ./register.mjs …`: every `electron` import or require in this process resolves to
// the stand-in (module.registerHooks covers both ESM and CommonJS).
import { registerHooks } from 'node:module';

const standIn = new URL('./electron.mjs', import.meta.url).href;
registerHooks({
  resolve(specifier, context, next) {
    if (specifier === 'electron') return { url: standIn, format: 'module', shortCircuit: true };
    return next(specifier, context);
  },
});
