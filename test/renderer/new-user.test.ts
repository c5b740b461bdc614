// A new user's whole path in the real renderer, bridged to the real service and a real demo server:
// try the demo, query a period, select all, download with conversion, every row done, files on disk,
// history, CSV export parsed back.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { cspViolations } from './bridge.ts';
import { sessionPerTest } from './session.ts';

const run = promisify(execFile);
const open = sessionPerTest();

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

async function probeFormat(file: string): Promise<string> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name', '-of', 'default=nw=1:nk=1', file]);
  return stdout.trim();
}

describe('new user path', () => {
  it('goes from "Try the demo" to converted files, history and a CSV export', async () => {
    const session = await open();
    const { app, page, demo, service } = session;

    await app.tryDemo();
    const found = await app.query('range', { preset: 'month' });
    expect(found).toBe(demo.files.length);
    expect(await page.locator('[data-testid="results-table"] tbody tr[data-row-id]').count()).toBeGreaterThan(0);

    expect(await app.selectAll()).toBe(found);
    await app.download({ pick: true, folder: session.outDir, convert: true, keepOriginal: true, concurrency: 3 });
    await app.waitAllDone(found);
    const states = await app.itemStates();
    expect(states.size).toBe(found);
    expect([...states.values()].every((s) => s === 'done')).toBe(true);

    // Every original is byte-identical to the server's; every converted file is a real MP4.
    const history = await service.handlers['history:list']({});
    expect(history).toHaveLength(found);
    for (const row of history) {
      expect(row.path.startsWith(session.outDir)).toBe(true);
      expect(await sha256(row.path)).toBe(await demo.expectedSha256(row.id));
      const playable = row.convertedPath ?? row.path;
      // Audio-only recordings become .m4a (the same MP4 container).
      expect(playable).toMatch(/\.(mp4|m4a)$/);
      expect(await probeFormat(playable)).toContain('mp4');
    }

    // "Show file" hands the real path to the OS.
    await page.locator('[data-testid="queue-table"] tbody tr').first().getByRole('button', { name: /Show file/ }).click();
    await expect.poll(() => session?.shown.length).toBe(1);

    await app.go('history');
    await page.locator(`[data-testid="history-count"][data-count="${found}"]`).waitFor();
    await page.getByTestId('export-csv').click();
    await page.getByTestId('history-message').waitFor();

    const bytes = await readFile(session.csvPath);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const records = parse(bytes, { bom: true, columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(found);
    expect(new Set(records.map((r) => Number(r['Recording ID'])))).toEqual(new Set(demo.files.map((f) => f.id)));
    const names = records.map((r) => r['Person'] ?? '').join(' ');
    expect(names).toContain('陈静');
    expect(names).toContain('张伟');

    expect(await cspViolations(page)).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
