// The contract is the one place a channel is added: a channel without a handler does not compile.
// Type-checks the service against a copy of the contract with one more channel (in memory, with the
// project's compiler options) and expects exactly the service's `satisfies Handlers` to object.
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { EVENT_CHANNELS } from '../../main/ipc/contract.ts';

const root = path.join(import.meta.dirname, '../..');
const contractFile = path.join(root, 'main/ipc/contract.ts');
const serviceFile = path.join(root, 'main/service/index.ts');
const ANCHOR = 'export const invokeChannels = {';

/** The diagnostics of type-checking the service with `patch` applied to the contract's text. */
function checkService(patch: (text: string) => string, oldProgram?: ts.Program): { program: ts.Program; messages: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('tsconfig.json cannot be read');
  const host = ts.createCompilerHost(config.options);
  const read = host.readFile.bind(host);
  host.readFile = (file) => {
    const text = read(file);
    return text !== undefined && path.resolve(file) === contractFile ? patch(text) : text;
  };
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError) => {
    if (path.resolve(file) !== contractFile) return getSourceFile(file, language, onError);
    const text = host.readFile(file);
    return text === undefined ? undefined : ts.createSourceFile(file, text, language);
  };
  const program = ts.createProgram({ rootNames: [serviceFile], options: config.options, host, ...(oldProgram ? { oldProgram } : {}) });
  const messages = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? path.relative(root, d.file.fileName) : '(no file)';
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  return { program, messages };
}

describe('the IPC contract', () => {
  it('fails to compile when a channel is added without a handler', () => {
    const unchanged = checkService((text) => text);
    expect(unchanged.messages).toEqual([]);
    const extended = checkService((text) => {
      expect(text).toContain(ANCHOR);
      return text.replace(ANCHOR, `${ANCHOR}\n  'test:unhandled': { arg: none, result: nothing },`);
    }, unchanged.program);
    expect(extended.messages.length).toBeGreaterThan(0);
    expect(extended.messages.join('\n')).toContain('does not satisfy the expected type'); // the composition's `satisfies Handlers`
    for (const message of extended.messages) {
      expect(message).toMatch(/^main\/service\/index\.ts: /);
      expect(message).toContain('test:unhandled');
    }
  });

  it('names each event once, with its payload type', () => {
    expect(EVENT_CHANNELS).toEqual(['query:page', 'download:progress', 'notice', 'archive:done', 'app:show']);
  });
});
