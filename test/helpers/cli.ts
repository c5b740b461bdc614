// Runs the real emrec launcher (bin/emrec.js) as a child process, as a user or a script would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { DemoServer } from '../../main/demo/server.ts';

export const EMREC = fileURLToPath(new URL('../../bin/emrec.js', import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function startEmrec(args: readonly string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(EMREC, [...args], {
    // English unless a test asks for another locale, whatever the machine's own LANG is
    env: { ...process.env, LANG: 'C.UTF-8', LC_ALL: '', LC_MESSAGES: '', EASEMOB_SERVER: '', EASEMOB_ORG: '', EASEMOB_APP: '', EASEMOB_CLIENT_ID: '', EASEMOB_CLIENT_SECRET: '', EASEMOB_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runEmrec(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return startEmrec(args, env).done;
}

/** Connection flags for a demo server. */
export function connFlags(server: DemoServer): string[] {
  return ['--server', server.url, '--org', server.org, '--app', server.app, '--client-id', server.clientId, '--client-secret', server.clientSecret];
}

export async function sha256File(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

/** The JSON summary `emrec download --json` prints as its last stdout line. */
export interface Summary {
  downloaded: number;
  skipped: number;
  failed: number;
  paused?: number;
  bytes: number;
  files: { id: number; path: string; status: string; error?: string }[];
}

export function lastJsonLine<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as T;
}
