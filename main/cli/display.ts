// Human progress for emrec on stderr: one redrawn status line on a terminal, a line every few
// seconds otherwise (CI logs), and a line per failed file. Never prints URLs or tokens.
import type { ItemProgress, QueueProgress } from '../core/progress.ts';
import { errorLine, type CliLanguage } from './messages.ts';
import { translate } from '../messages/format.ts';
import { activeCount, ITEM_STATES } from '../core/queue/states.ts';

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export interface ProgressReporter {
  update(progress: QueueProgress): void;
  item(item: ItemProgress): void;
  note(text: string): void;
  done(): void;
}

export function createProgressReporter(stream: NodeJS.WriteStream, language: CliLanguage, tty = Boolean(stream.isTTY)): ProgressReporter {
  let last: QueueProgress | undefined;
  const started = Date.now();
  // in a log, the first line waits as long as the others: a line at once would show the listing's first page as the batch
  let lastPrinted = started;
  let lineShown = false;
  const line = (p: QueueProgress, final = false): string => {
    const c = p.counts;
    const all = ITEM_STATES.reduce((n, s) => n + c[s], 0);
    const finished = all - activeCount(c) - c.paused;
    const seconds = (Date.now() - started) / 1000;
    const parts = [
      `${finished}/${all} files`,
      `${formatBytes(p.bytes)}/${formatBytes(p.total)}`,
      // at the end: the time taken and the average speed, not the last instant's (0 B/s)
      ...(final ? [`in ${formatDuration(seconds)}`, `${formatBytes(p.bytes / Math.max(seconds, 0.001))}/s on average`] : [`${formatBytes(p.speed)}/s`, `ETA ${formatDuration(p.eta)}`]),
    ];
    if (c.converting > 0) parts.push(`${c.converting} converting`);
    if (c.failed > 0) parts.push(`${c.failed} failed`);
    return parts.join('  ');
  };
  const clear = (): void => {
    if (tty && lineShown) stream.write('\r\x1b[2K');
    lineShown = false;
  };
  return {
    update(progress) {
      last = progress;
      const now = Date.now();
      if (tty) {
        // the queue already reports at most ten times a second (queue/throttle.ts)
        stream.write(`\r\x1b[2K${line(progress)}`);
        lineShown = true;
      } else {
        if (now - lastPrinted < 2000) return;
        stream.write(`${line(progress)}\n`);
      }
      lastPrinted = now;
    },
    item(item) {
      if (item.state !== 'failed') return;
      clear();
      const reason = item.error ? `${item.error.code} ${errorLine(item.error, language)}` : 'ERROR';
      stream.write(`${translate(language, 'cli.failed')}: ${item.path}: ${reason}\n`);
    },
    note(text) {
      clear();
      stream.write(`${text}\n`);
    },
    done() {
      clear();
      if (last) stream.write(`${line(last, true)}\n`);
    },
  };
}
