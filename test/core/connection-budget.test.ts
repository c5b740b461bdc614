// The connection budget's own rules: files' reserved connections come first, an extra is taken only
// when one is free, and a waiting `take` gets the next one given back or gives up on abort.
import { describe, expect, it } from 'vitest';
import { ConnectionBudget } from '../../main/core/connection-budget.ts';

describe('ConnectionBudget', () => {
  it('lends only what files leave free, and says when files need the lent ones back', () => {
    let files = 2;
    const budget = new ConnectionBudget(3, () => files);
    expect(budget.tryTake()).toBe(true);
    expect(budget.tryTake()).toBe(false);
    files = 3; // a file started: the extra must go
    expect(budget.over).toBe(true);
    budget.give();
    expect(budget.over).toBe(false);
    expect(budget.lent).toBe(0);
  });

  it('take waits for a connection given back, and gives up when its signal aborts', async () => {
    const budget = new ConnectionBudget(1);
    expect(await budget.take(new AbortController().signal)).toBe(true);
    let got: boolean | undefined;
    const waiting = budget.take(new AbortController().signal).then((taken) => (got = taken));
    const stop = new AbortController();
    const abandoned = budget.take(stop.signal);
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBeUndefined(); // none free yet
    stop.abort();
    expect(await abandoned).toBe(false);
    budget.give();
    await waiting;
    expect(got).toBe(true);
    expect(budget.lent).toBe(1);
    const aborted = new AbortController();
    aborted.abort();
    expect(await budget.take(aborted.signal)).toBe(false);
  });
});
