// The Downloads screen offers exactly what the core's transition table allows for each file's state,
// and after a restart shows the files an earlier run left paused or failed in their true state as
// they run again, through the real service and demo server.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ItemProgress, QueueProgress } from '../../main/core/progress.ts';
import { ALLOWED, ITEM_STATES, emptyCounts } from '../../main/core/queue/states.ts';
import { createService, plainSecretBox } from '../../main/service/index.ts';
import { waitForEvent } from '../service/helpers.ts';
import { sessionPerTest } from './session.ts';

const open = sessionPerTest();
const FIRST_ID = 5_000_001;

function row(index: number): ItemProgress {
  const state = ITEM_STATES[index]!;
  return {
    id: FIRST_ID + index,
    state,
    path: `conf/rec_${FIRST_ID + index}.webm`,
    folder: '/recordings',
    bytes: state === 'waiting' ? 0 : 500,
    total: 1_000,
    user: `user${index}`,
    confrId: 'conf',
    recordType: 'ONLY_REC_ONE_AV',
    attempts: 1,
    urlRefreshed: false,
    speed: state === 'downloading' ? 100 : 0,
    ...(state === 'failed' ? { error: { code: 'NOT_FOUND', message: 'gone' } } : {}),
  };
}

function progress(items: readonly ItemProgress[]): QueueProgress {
  const counts = emptyCounts();
  for (const one of items) counts[one.state] += 1;
  return { items, bytes: 0, total: 0, failedTotal: 0, cancelledTotal: 0, speed: 0, counts, batchCounts: counts };
}

describe('Downloads screen actions', () => {
  it('shows each file exactly the actions its state allows, and bulk buttons only when some file allows them', async () => {
    const { app, page } = await open();
    await app.go('queue');
    const items = ITEM_STATES.map((_, i) => row(i));
    await app.emit('download:progress', progress(items));
    const table = page.getByTestId('queue-table');
    for (const item of items) {
      const tr = table.locator(`tr[data-item-id="${item.id}"][data-state="${item.state}"]`);
      await tr.waitFor();
      const actions = await tr.locator('button[data-action]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-action')));
      expect(actions, item.state).toEqual([...ALLOWED[item.state]]);
    }
    for (const bulk of ['pause-all', 'resume-all', 'cancel-all', 'retry-all']) expect(await page.getByTestId(bulk).isEnabled(), bulk).toBe(true);

    // only finished files left: no bulk action applies, so none is offered
    const finished = [row(ITEM_STATES.indexOf('done')), row(ITEM_STATES.indexOf('skipped'))];
    await app.emit('download:progress', progress(finished));
    for (const bulk of ['pause-all', 'resume-all', 'cancel-all', 'retry-all']) await expect.poll(() => page.getByTestId(bulk).isEnabled(), { message: bulk }).toBe(false);
  });

  it('after a restart, files left paused and failed show as running again and end saved', async () => {
    let ids: number[] = [];
    const { app, page, demo } = await open({
      restore: true,
      before: async (stateDir, server, outDir) => {
        // an earlier run of the app: one file paused mid-download, one failed while the host had lost it
        const earlier = createService({ stateDir, secrets: plainSecretBox, systemLanguage: 'en', version: '0', home: path.dirname(stateDir), demo: { start: async () => server } });
        const connectionId = (await earlier.handlers['demo:connect'](undefined)).id;
        const file = server.files[0]!;
        const other = server.files.find((f) => f.confrId === file.confrId && f.id !== file.id)!;
        ids = [file.id, other.id];
        const pages = waitForEvent(earlier, 'query:page', (p) => p.done, 'query end');
        const { queryId } = await earlier.handlers['query:start']({ connectionId, template: '{id}.{ext}', query: { kind: 'conference', confrId: file.confrId } });
        await pages;
        const start = { connectionId, queryId, outDir, template: '{id}.{ext}', convert: false, keepOriginal: true, concurrency: 2 };
        server.faults.bytesPerSecond = 5_000;
        const moving = waitForEvent(earlier, 'download:progress', (p) => p.items.some((i) => i.id === file.id && i.bytes > 0), 'first bytes');
        await earlier.handlers['download:start']({ ...start, ids: [file.id] });
        await moving;
        server.faults.filesMissing = true;
        const failed = waitForEvent(earlier, 'download:progress', (p) => p.items.some((i) => i.id === other.id && i.state === 'failed'), 'failure');
        await earlier.handlers['download:start']({ ...start, ids: [other.id] });
        await failed;
        server.faults.filesMissing = false;
        earlier.pauseAll();
        await earlier.dispose();
      },
    });
    await app.go('queue');
    const table = page.getByTestId('queue-table');
    for (const id of ids) {
      const tr = table.locator(`tr[data-item-id="${id}"]`);
      await tr.waitFor();
      expect(['waiting', 'downloading']).toContain(await tr.getAttribute('data-state'));
      expect(await tr.locator('button[data-action]').evaluateAll((b) => b.map((x) => x.getAttribute('data-action')))).toEqual(['pause', 'cancel']);
    }
    demo.faults.bytesPerSecond = undefined;
    for (const id of ids) await table.locator(`tr[data-item-id="${id}"][data-state="done"]`).waitFor({ timeout: 30_000 });
    await page.locator(`[data-testid="overall"][data-done="2"][data-failed="0"]`).waitFor();
  });
});
