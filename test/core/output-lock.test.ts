// Nested download folders: of two runs that start together, one into a folder inside the other's,
// exactly one gets to download, whichever order their steps interleave in; the other is told
// ALREADY_RUNNING naming the other folder. Real files, real processes for the cross-process case.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { isEmrecError } from '../../main/core/errors.ts';
import { acquireOutputLock } from '../../main/core/output-lock.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'emrec-output-lock-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

it('of two nested folders locked at the same moment, exactly one is held, twenty times over', async () => {
  for (let round = 0; round < 20; round += 1) {
    const registry = path.join(root, `registry-${round}`);
    const outer = path.join(root, `out-${round}`);
    const inner = path.join(outer, '2026-12-01');
    fs.mkdirSync(inner, { recursive: true });
    const results = await Promise.allSettled([acquireOutputLock(round % 2 ? outer : inner, { registry }), acquireOutputLock(round % 2 ? inner : outer, { registry })]);
    const held = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(held, `round ${round}`).toHaveLength(1);
    expect(refused).toHaveLength(1);
    const reason = (refused[0] as PromiseRejectedResult).reason;
    expect(isEmrecError(reason, 'ALREADY_RUNNING'), String(reason)).toBe(true);
    for (const r of held) (r as PromiseFulfilledResult<{ release(): void }>).value.release();
    expect(fs.readdirSync(registry).filter((n) => n.endsWith('.json'))).toEqual([]);
  }
});
