// Help → Export diagnostics: one zip a person can send to whoever supports them, holding the logs,
// the settings and the saved connections as the window sees them (names and addresses, never a
// secret or a token), the app's version and platform. Every text is redacted again on the way in,
// so a line logged before redaction existed cannot leak.
import { strToU8, zipSync } from 'fflate';
import { redact } from '../core/redact.ts';
import type { AppInfo, SavedConnection, Settings } from '../ipc/contract.ts';

export interface DiagnosticsInput {
  readonly info: Pick<AppInfo, 'version' | 'platform' | 'ffmpeg' | 'secrets'>;
  readonly settings: Settings;
  readonly connections: readonly SavedConnection[];
  readonly logs: readonly { readonly name: string; readonly text: string }[];
  readonly now?: Date;
}

/** The zip's bytes. */
export function diagnosticsZip(input: DiagnosticsInput): Uint8Array {
  const json = (value: unknown): Uint8Array => strToU8(redact(`${JSON.stringify(value, null, 2)}\n`));
  const files: Record<string, Uint8Array> = {
    'about.json': json({ ...input.info, exportedAt: (input.now ?? new Date()).toISOString() }),
    'settings.json': json(input.settings),
    // SavedConnection carries no secret (hasSecret says whether one is stored)
    'connections.json': json(input.connections),
  };
  for (const log of input.logs) files[`logs/${log.name.replace(/[^\w.-]/g, '_')}`] = strToU8(redact(log.text));
  return zipSync(files, { level: 6 });
}

/** The file name offered in the save dialog. */
export function diagnosticsFileName(now: Date = new Date()): string {
  return `easemob-recording-downloader-diagnostics-${now.toISOString().slice(0, 10)}.zip`;
}
