// emrec: the recording engine without a window, for people who automate (cron, scripts, CI).
// Same core as the desktop app; history, token cache and resume state live in --state-dir.
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createApiClient, type ApiClient } from './core/api-client.ts';
import { openConfStore } from './core/conf-store.ts';
import { appkeyOf, type Connection } from './core/connection.ts';
import { EmrecError, toErrorInfo, type ErrorInfo } from './core/errors.ts';
import { History, HISTORY_BATCH_MS } from './core/history.ts';
import { DEFAULT_CONNECTIONS, MAX_CONNECTIONS } from './core/connection-budget.ts';
import { DEFAULT_CONCURRENCY, DownloadQueue, makeRefreshUrl, MAX_CONCURRENCY, type DownloadJob, type PostProcess } from './core/queue/download-queue.ts';
import { acquire, type LockInfo, type RunLock } from './core/run-lock.ts';
import { acquireOutputLock } from './core/output-lock.ts';
import { asLocalError, makeFolder } from './core/disk-space.ts';
import { DEFAULT_TEMPLATE, compileTemplate, planPath } from './core/naming.ts';
import { pageRecords } from './core/pager.ts';
import type { Recording } from './core/record.ts';
import { createProgressReporter } from './cli/display.ts';
import { openCliLog } from './cli/log.ts';
import { EXIT, exitCodeFor } from './cli/exit-codes.ts';
import { cliLanguage, errorLine } from './cli/messages.ts';
import { translate } from './messages/format.ts';
import { resolveConnection, resolveQuery, type ConnectionFlags, type QueryFlags } from './cli/options.ts';
import { defaultStateDir } from './cli/state-dir.ts';
import { parseRate, RateLimiter } from './core/rate-limit.ts';
import { createConvertStep, defaultConvertConcurrency } from './core/convert-step.ts';
import { verifyHistory } from './core/verify.ts';
import { importFolder } from './core/import-folder.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

interface CommonFlags extends ConnectionFlags, QueryFlags {
  readonly demo?: boolean;
  readonly stateDir?: string;
  readonly json?: boolean;
  readonly name: string;
  readonly pageSize: number;
  readonly wait?: boolean;
  readonly logFile?: string;
}

interface DownloadFlags extends CommonFlags {
  readonly out: string;
  readonly concurrency: number;
  readonly connections?: number;
  readonly force?: boolean;
  readonly convert?: 'mp4';
  readonly keepOriginal?: boolean;
  readonly ffmpeg?: string;
  /** Bytes per second for the whole run, all connections together. */
  readonly limitRate?: number;
}

function rateOption(value: string): number {
  try {
    return parseRate(value) ?? 0;
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function intOption(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--server <url>', 'REST server address, e.g. https://a1.easemob.com (env EASEMOB_SERVER)')
    .option('--org <org>', 'org name, the part of the appkey before # (env EASEMOB_ORG)')
    .option('--app <app>', 'app name, the part of the appkey after # (env EASEMOB_APP)')
    .option('--client-id <id>', 'client id (env EASEMOB_CLIENT_ID)')
    .option('--client-secret <secret>', 'client secret (env EASEMOB_CLIENT_SECRET)')
    .option('--token <token>', 'a pasted app token instead of client id/secret (env EASEMOB_TOKEN)')
    .option('--timezone <zone>', "the server's timezone (IANA name)", 'Asia/Shanghai')
    .option('--demo', 'use a built-in demo server started in this process')
    .option('--conference <id>', 'all files of this conference id')
    .option('--user <name>', 'with --conference: only this user')
    .option('--from <time>', 'period start: ISO 8601 or "YYYY-MM-DD[ HH:mm[:ss]]" in the server timezone')
    .option('--to <time>', 'period end (a bare date means the end of that day); default now')
    .option('--days <n>', 'the last N days until now', intOption(1, 3650))
    .option('--merged', 'with a period: merged recordings only')
    .option('--page-size <n>', 'records per listing request (the API allows at most 100)', Number, 100)
    .option('--name <template>', 'file name template: {confrId} {user} {recordType} {id} {date} {time} {ext}', DEFAULT_TEMPLATE)
    .option('--state-dir <dir>', 'history, token cache and resume state (default: the app\'s own data folder)')
    .option('--json', 'machine-readable output on stdout')
    .option('--wait', 'download/sync: if another run uses the same --state-dir, wait for it instead of stopping with exit 2')
    .option('--log-file <path>', 'download/sync: write what the run did to this file (rotated at 5 MB; tokens, secrets and signed URLs are redacted)');
}

interface Session {
  readonly conn: Connection;
  readonly lock?: RunLock;
  readonly client: ApiClient;
  readonly history: History;
  readonly stateDir: string;
  readonly close: () => Promise<void>;
}

/**
 * Opens the state folder (and, for runs that download, takes its lock first: one run per state folder,
 * so a cron job overlapping a person neither fetches twice nor trips over the other's files).
 */
async function openSession(flags: CommonFlags, warn: (w: ErrorInfo) => void, options: { lock?: boolean } = {}): Promise<Session> {
  const stateDir = path.resolve(flags.stateDir ?? defaultStateDir());
  await makeFolder(stateDir).catch((error: unknown) => {
    throw asLocalError(error, stateDir);
  });
  const lock = options.lock ? await takeLock(stateDir, 'state', flags, warn) : undefined;
  try {
    return await openStateAndClient(flags, warn, stateDir, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** One run per folder: refuses at once (ALREADY_RUNNING, exit 2) or, with --wait, waits for the other run. */
async function takeLock(dir: string, kind: 'state' | 'output', flags: CommonFlags, warn: (w: ErrorInfo) => void): Promise<RunLock> {
  const options = {
    wait: flags.wait ?? false,
    onWait: (h: LockInfo) => process.stderr.write(`emrec: waiting for the other run to finish (pid ${h.pid}, "${h.command}", started ${h.startedAt})\n`),
    onStale: (h: LockInfo | undefined) => warn({ code: 'ALREADY_RUNNING', message: `taking over the lock left by ${h ? `pid ${h.pid} ("${h.command}")` : 'a run'}, which is no longer running` }),
  };
  if (kind === 'state') return acquire(dir, options);
  return acquireOutputLock(dir, {
    ...options,
    onUnprotected: (error) =>
      warn({ code: 'ALREADY_RUNNING', message: `cannot list ${dir} among the download folders in use (${(error as Error).message}): a run filling a folder inside or around it would not be noticed` }),
  });
}

async function openStateAndClient(flags: CommonFlags, warn: (w: ErrorInfo) => void, stateDir: string, lock: RunLock | undefined): Promise<Session> {
  let demo: { url: string; org: string; app: string; clientId: string; clientSecret: string; close(): Promise<void> } | undefined;
  let conn: Connection;
  if (flags.demo) {
    const { startDemoServer } = await import('./demo/server.ts');
    demo = await startDemoServer();
    conn = resolveConnection(
      { server: demo.url, org: demo.org, app: demo.app, clientId: demo.clientId, clientSecret: demo.clientSecret, timezone: flags.timezone ?? 'Asia/Shanghai' },
      {},
    );
  } else {
    conn = resolveConnection(flags);
  }
  let history: History;
  try {
    const { store, warnings } = openConfStore(stateDir, { onWarning: warn });
    warnings.forEach(warn);
    history = new History(store, { batchMs: HISTORY_BATCH_MS });
  } catch (error) {
    await demo?.close();
    throw error;
  }
  const client = createApiClient(conn, {
    tokenCache: history.tokenCache(),
    onRetry: (info) => warn({ code: info.code, message: `${info.message}; retrying in ${(info.delayMs / 1000).toFixed(1)} s (attempt ${info.attempt})` }),
  });
  return {
    conn,
    client,
    history,
    stateDir,
    ...(lock ? { lock } : {}),
    close: async () => {
      try {
        history.close();
      } finally {
        await demo?.close();
        lock?.release();
      }
    },
  };
}

/** Walks the query's pages; `onPage` sees each page's new records as it arrives (downloads start at once). */
async function collect(client: ApiClient, flags: CommonFlags, conn: Connection, onPage: (records: Recording[]) => void): Promise<void> {
  const query = resolveQuery(flags, conn.timezone);
  for await (const page of pageRecords(client, query, { pageSize: flags.pageSize })) {
    for (const bad of page.invalid) process.stderr.write(`warning: skipped an unusable record (${bad.reason})\n`);
    onPage(page.records);
  }
}

async function listCommand(flags: CommonFlags): Promise<number> {
  const template = compileTemplate(flags.name);
  const session = await openSession(flags, (w) => process.stderr.write(`warning: ${w.message}\n`));
  try {
    const records: Recording[] = [];
    await collect(session.client, flags, session.conn, (page) => records.push(...page));
    const rows = records.map((r) => ({ ...r, path: planPath(r, template) }));
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
    } else if (rows.length === 0) {
      process.stdout.write('No recordings found.\n');
    } else {
      for (const r of rows) {
        process.stdout.write(`${r.id}\t${r.confrBeginTime ?? ''}\t${r.confrId ?? ''}\t${r.recordType ?? ''}\t${r.path}\n`);
      }
      process.stdout.write(`${rows.length} recording(s)\n`);
    }
    return EXIT.OK;
  } finally {
    await session.close();
  }
}

/** Creates the output folder and proves it takes files, so a read-only one is said once, up front. */
async function checkOutDir(outDir: string): Promise<void> {
  try {
    await makeFolder(outDir);
    const probe = path.join(outDir, `.emrec-write-test-${process.pid}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw asLocalError(error, outDir);
  }
}

async function downloadCommand(flags: DownloadFlags): Promise<number> {
  compileTemplate(flags.name);
  const reporter = createProgressReporter(process.stderr, cliLanguage());
  const runLog = openCliLog(flags.logFile);
  const outDir = path.resolve(flags.out);
  runLog.info('emrec download', { server: flags.server, org: flags.org, app: flags.app, out: outDir, demo: flags.demo ?? false });
  const session = await openSession(flags, (w) => (runLog.warn(w.code, w.message), reporter.note(`warning: ${w.message}`)), { lock: true });
  let postProcess: PostProcess | undefined;
  let queue: DownloadQueue | undefined;
  let failure: ErrorInfo | undefined;
  let interrupted = false;
  const stop = (): void => {
    if (interrupted) process.exit(EXIT.INTERRUPTED);
    interrupted = true;
    reporter.note('Stopping: partial files are kept; run the same command again to resume.');
    queue?.pause();
  };
  // conf → atomically → when-exit hooks SIGINT/SIGTERM to re-send the signal to this process, which would
  // read as a second Ctrl-C and end the run before its summary; we write no file through atomically.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) for (const l of process.listeners(sig)) process.off(sig, l);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  let stateProblem: ErrorInfo | undefined;
  let outLock: RunLock | undefined;
  try {
    await checkOutDir(outDir);
    // another run with another state folder filling the same folder would fetch every file a second time
    outLock = await takeLock(outDir, 'output', flags, (w) => reporter.note(`warning: ${w.message}`));
    if (flags.convert) {
      postProcess = await createConvertStep({ keepOriginal: flags.keepOriginal ?? false, ...(flags.ffmpeg ? { userPath: flags.ffmpeg } : {}) });
    }
    const q = new DownloadQueue({
      // no saved queue: a new run lists again and finds its unfinished files in the folder (the saved queue is the app's)
      history: session.history,
      concurrency: flags.concurrency,
      connections: flags.connections ?? Math.max(DEFAULT_CONNECTIONS, flags.concurrency),
      ...(flags.limitRate ? { limiter: new RateLimiter(flags.limitRate) } : {}),
      ...(postProcess ? { postProcessConcurrency: defaultConvertConcurrency() } : {}),
    });
    queue = q;
    const job: DownloadJob = {
      appkey: appkeyOf(session.conn),
      outDir,
      template: flags.name,
      force: flags.force ?? false,
      refreshUrl: makeRefreshUrl(session.client),
      ...(postProcess ? { postProcess, convert: { keepOriginal: flags.keepOriginal ?? false } } : {}),
    };
    q.on('progress', (p) => reporter.update(p));
    q.on('item', (i) => {
      reporter.item(i);
      if (i.state === 'failed') runLog.error('failed', i.id, i.path, i.error?.code, i.error?.message);
      else if (i.state === 'done' || i.state === 'skipped') runLog.info(i.state, i.id, path.join(i.folder, i.path));
    });
    q.on('warning', (w) => (runLog.warn(w.code, w.message), reporter.note(`warning: ${w.message}`)));
    try {
      await collect(session.client, flags, session.conn, (records) => {
        for (const r of records) runLog.verbose('listed', r.id, r.confrId, r.url);
        if (!interrupted) q.add(records, job);
      });
    } catch (error) {
      // the listing broke off: finish what was queued, then say why the list is incomplete
      if (!(error instanceof EmrecError)) throw error;
      failure = toErrorInfo(error);
    }
    await q.onIdle();
  } catch (error) {
    if (!(error instanceof EmrecError) || queue === undefined) throw error;
    failure = toErrorInfo(error);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    queue?.flush();
    reporter.done();
    outLock?.release();
    try {
      await session.close();
    } catch (error) {
      // the files are in the folder (the next run adopts them); only the record of them could not be saved
      if (!(error instanceof EmrecError)) throw error;
      stateProblem = toErrorInfo(error);
    }
  }
  const items = queue?.snapshot() ?? [];
  const count = (s: string): number => items.filter((i) => i.state === s).length;
  const summary = {
    downloaded: count('done'),
    skipped: count('skipped'),
    failed: count('failed') + count('cancelled'),
    // stopped by Ctrl-C or SIGTERM, kept for the next run: not failed
    paused: count('paused'),
    bytes: items.filter((i) => i.state === 'done').reduce((sum, i) => sum + (i.total ?? i.bytes), 0),
    files: items.map((i) => ({ id: i.id, path: i.path, status: i.state, ...(i.error ? { error: i.error.code } : {}) })),
    ...(failure ? { error: failure.code } : {}),
    ...(stateProblem ? { stateError: stateProblem.code } : {}),
  };
  runLog.info('summary', { downloaded: summary.downloaded, skipped: summary.skipped, failed: summary.failed, paused: summary.paused, error: failure?.code });
  if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${summary.downloaded} downloaded, ${summary.skipped} already had, ${summary.failed} failed${summary.paused > 0 ? `, ${summary.paused} stopped (run again to finish)` : ''} -> ${outDir}\n`);
  for (const problem of [failure, stateProblem]) if (problem) process.stderr.write(`emrec: ${errorLine(problem, cliLanguage())}\n`);
  if (interrupted) return EXIT.INTERRUPTED;
  if (failure) return exitCodeFor(failure.code);
  if (summary.failed + summary.paused > 0) return EXIT.SOME_FAILED;
  return stateProblem ? exitCodeFor(stateProblem.code) : EXIT.OK;
}

/** Checks every file history holds against the disk; exit 1 when one is missing or not as saved. */
async function verifyCommand(flags: { stateDir?: string; json?: boolean }): Promise<number> {
  const stateDir = path.resolve(flags.stateDir ?? defaultStateDir());
  const { store, warnings } = openConfStore(stateDir, { onWarning: (w) => process.stderr.write(`warning: ${w.message}\n`) });
  for (const w of warnings) process.stderr.write(`warning: ${w.message}\n`);
  const history = new History(store);
  try {
    const report = await verifyHistory(history.all());
    const lang = cliLanguage();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      for (const f of report.findings) process.stdout.write(`${translate(lang, `cli.verify.${f.problem}`)}\t${f.id}\t${f.path}\n`);
      const problems = report.findings.length;
      const summary = translate(lang, 'cli.verify.summary', { checked: report.checked, ok: report.ok, problems });
      process.stdout.write(`${summary}${problems > 0 ? translate(lang, 'cli.verify.again') : ''}\n`);
    }
    return report.findings.length > 0 ? EXIT.SOME_FAILED : EXIT.OK;
  } finally {
    history.close();
  }
}

interface ImportFlags {
  readonly org: string;
  readonly app: string;
  readonly name: string;
  readonly stateDir?: string;
  readonly json?: boolean;
}

/** Adds the recordings a folder already holds (named by this app) to history, so downloads skip them. */
async function importCommand(folder: string, flags: ImportFlags): Promise<number> {
  const stateDir = path.resolve(flags.stateDir ?? defaultStateDir());
  await makeFolder(stateDir).catch((error: unknown) => {
    throw asLocalError(error, stateDir);
  });
  const lock = await acquire(stateDir, {});
  try {
    const { store, warnings } = openConfStore(stateDir, { onWarning: (w) => process.stderr.write(`warning: ${w.message}\n`) });
    for (const w of warnings) process.stderr.write(`warning: ${w.message}\n`);
    const history = new History(store);
    try {
      const report = await importFolder(folder, { history, appkey: appkeyOf({ org: flags.org, app: flags.app }), template: flags.name });
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        for (const rel of report.unrecognised) process.stderr.write(`warning: no recording id in the name of ${rel}\n`);
        const counts = { scanned: report.scanned, added: report.added, known: report.known, unrecognised: report.unrecognised.length };
        process.stdout.write(`${translate(cliLanguage(), 'cli.import.summary', counts)}\n`);
      }
      return EXIT.OK;
    } finally {
      history.close();
    }
  } finally {
    lock.release();
  }
}

async function demoCommand(flags: { port?: number }): Promise<number> {
  const { runDemo } = await import('./demo/cli-demo.ts');
  const server = await runDemo(flags.port === undefined ? {} : { port: flags.port });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return EXIT.OK;
}

export function buildProgram(run: (code: number) => void): Command {
  const program = new Command('emrec')
    .description('Download Easemob (环信) call recordings before the server deletes them (30 days).')
    .version(pkg.version)
    .exitOverride()
    .showHelpAfterError('(run emrec --help for usage)');

  withCommonOptions(program.command('list').description('list recordings of a conference or a period')).action(async (flags: CommonFlags) => {
    run(await listCommand(flags));
  });

  // download and sync write files the same way; only download can --force files already in history.
  const withOutputOptions = (cmd: Command, { force }: { force: boolean }): Command => {
    withCommonOptions(cmd)
      .option('--out <dir>', 'destination folder', '.')
      .option('--concurrency <n>', `downloads at a time (1-${MAX_CONCURRENCY})`, intOption(1, MAX_CONCURRENCY), DEFAULT_CONCURRENCY)
      .option(
        '--connections <n>',
        `connections in all (1-${MAX_CONNECTIONS}), shared by files and by segments of files over 32 MB (default: ${DEFAULT_CONNECTIONS}, or --concurrency if more)`,
        intOption(1, MAX_CONNECTIONS),
      )
      .option('--limit-rate <rate>', 'bandwidth for the whole run, all downloads together (2M, 500k; k = 1024 bytes/s)', rateOption);
    if (force) cmd.option('--force', 'download again files already in history');
    return cmd
      .addOption(new Option('--convert <format>', 'convert webm/mkv after download').choices(['mp4']))
      .option('--keep-original', 'with --convert: keep the webm/mkv next to the mp4')
      .option('--ffmpeg <path>', 'use this ffmpeg (ffprobe is looked for beside it)');
  };

  withOutputOptions(program.command('download').description('download recordings (resumes interrupted runs, skips finished files)'), { force: true })
    .action(async (flags: DownloadFlags) => {
      run(await downloadCommand(flags));
    });

  withOutputOptions(
    program
      .command('sync')
      .description('for cron: download every recording of the last --days (default 30, what the server keeps) not yet in history'),
    { force: false },
  ).action(async (flags: DownloadFlags) => {
    const period = flags.conference === undefined && flags.from === undefined && flags.to === undefined && flags.days === undefined;
    run(await downloadCommand(period ? { ...flags, days: 30 } : flags));
  });

  program
    .command('import <folder>')
    .description('add the recordings a folder already holds (named by this app) to history, so downloads skip them: after a reinstall, or on a second computer')
    .requiredOption('--org <org>', 'the org name of the recordings (the part of the appkey before #)')
    .requiredOption('--app <app>', 'the app name of the recordings (the part of the appkey after #)')
    .option('--name <template>', 'the file name template the folder was filled with', DEFAULT_TEMPLATE)
    .option('--state-dir <dir>', 'where history is kept (as for download)')
    .option('--json', 'one JSON report on stdout')
    .action(async (folder: string, flags: ImportFlags) => {
      run(await importCommand(folder, flags));
    });

  program
    .command('verify')
    .description('check every file in history against the disk (present, same size, same SHA-256); exit 1 when one is missing or changed')
    .option('--state-dir <dir>', 'where history is kept (as for download)')
    .option('--json', 'one JSON report on stdout')
    .action(async (flags: { stateDir?: string; json?: boolean }) => {
      run(await verifyCommand(flags));
    });

  program
    .command('demo')
    .description('run the built-in demo Easemob server and print how to use it')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', intOption(0, 65535))
    .action(async (flags: { port?: number }) => {
      run(await demoCommand(flags));
    });
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.OK;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT.OK : EXIT.USAGE;
    }
    const info = toErrorInfo(error);
    process.stderr.write(`emrec: ${errorLine(info, cliLanguage())}\n`);
    if (!(error instanceof EmrecError)) process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    return exitCodeFor(info.code);
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
