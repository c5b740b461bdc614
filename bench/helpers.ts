// What the download benchmarks share: timing a child process (wall time, peak RSS, an optional cap),
// hashing a file, the demo server's connection flags and the aria2c reference command.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoServer } from '../main/demo/server.ts';

export const EMREC = fileURLToPath(new URL('../bin/emrec.js', import.meta.url));

export interface Timed {
  readonly wallSec: number;
  readonly peakRssMb: number;
  readonly code: number | null;
  /** Stopped at the cap (`timeoutSec`): SIGTERM, then SIGKILL 10 s later. */
  readonly cut: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command under GNU time for wall time and peak RSS (of the whole command, children included);
 * with `timeoutSec` it runs under coreutils `timeout`, whose rusage still covers the command's peak RSS.
 */
export function timed(command: string, args: readonly string[], options: { timeoutSec?: number } = {}): Promise<Timed> {
  const cap = options.timeoutSec;
  const argv = cap === undefined ? [command, ...args] : ['timeout', '-k', '10', String(cap), command, ...args];
  return new Promise((resolve, reject) => {
    // EMREC_NODE_OPTIONS: Node flags for the measured command only (not the bench and its demo server)
    const env = process.env.EMREC_NODE_OPTIONS ? { ...process.env, NODE_OPTIONS: process.env.EMREC_NODE_OPTIONS } : process.env;
    const child = spawn('/usr/bin/time', ['-f', 'BENCH_TIME %e %M %U %S', ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /BENCH_TIME ([\d.]+) (\d+)/.exec(stderr);
      if (!match) return reject(new Error(`no timing from ${command}: ${stderr.slice(-500)}`));
      const cut = cap !== undefined && (code === 124 || code === 137);
      resolve({ wallSec: Number(match[1]), peakRssMb: Number(match[2]) / 1024, code, cut, stdout, stderr });
    });
  });
}

/** The middle value (of an odd count; the upper middle of an even one). */
export const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

export function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file).on('data', (d) => hash.update(d)).on('error', reject).on('end', () => resolve(hash.digest('hex')));
  });
}

/** `--server … --client-secret …` for emrec against the demo server. */
export function connectionArgs(server: DemoServer): string[] {
  return ['--server', server.url, '--org', server.org, '--app', server.app, '--client-id', server.clientId, '--client-secret', server.clientSecret];
}

/**
 * aria2c on an input file (URL lines, each followed by `  out=RELATIVE/PATH`) into `dir`: `concurrency`
 * files at a time, `split` connections each (above 1: its best split, pieces of 1 MB).
 */
export function aria2cArgs(inputFile: string, dir: string, concurrency: number, split = 1): string[] {
  return [
    '-i', inputFile, '-d', dir, '-j', String(concurrency), '-x', String(split), '-s', String(split), ...(split > 1 ? ['-k', '1M'] : []),
    '--file-allocation=none', '--auto-file-renaming=false', '--allow-overwrite=true', '--console-log-level=warn',
    '--summary-interval=0', '--download-result=hide',
  ];
}

/** The aria2c input file for listed rows: the same URLs and relative paths emrec plans. */
export function aria2cInput(rows: readonly { url: string; path: string }[]): string {
  return rows.map((r) => `${r.url}\n  out=${r.path}\n`).join('');
}
