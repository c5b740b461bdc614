// A private deployment's retention period, end to end in the real renderer: the demo connection
// keeps the cloud's 30 days; a connection typed into the Connect form with the demo server's
// credentials and "Kept on the server for 7 days" moves every expiry badge 23 days earlier; 2 days
// turns them red. Badges carry main's `deletesAt`, checked exactly against the catalogue's call ends.
import { DateTime } from 'luxon';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEZONE } from '../../main/core/connection.ts';
import { syntheticCatalogue } from '../../main/demo/server.ts';
import { sessionPerTest, type Session } from './session.ts';

const DAY = 24 * 3600_000;
const open = sessionPerTest();

interface Badge {
  readonly deletesAt: string;
  readonly text: string;
  readonly urgent: boolean;
}

async function badges(s: Session): Promise<Badge[]> {
  return s.page.locator('[data-testid="results-table"] [data-badge="expires"]').evaluateAll((els) =>
    els.map((el) => ({ deletesAt: el.getAttribute('data-deletes-at') ?? '', text: el.textContent?.trim() ?? '', urgent: el.classList.contains('danger') })),
  );
}

/** The number of days in "expires in N days" / "N天后过期". */
function daysIn(text: string): number {
  const match = /^expires in (\d+) days$/.exec(text) ?? /^(\d+)\s*天后过期$/.exec(text);
  if (!match?.[1]) throw new Error(`not a badge in days: "${text}"`);
  return Number(match[1]);
}

async function retentionField(form: Locator): Promise<string> {
  return form.locator('input[name="retentionDays"]').inputValue();
}

describe('retention period', () => {
  it('moves the expiry badges with the period saved on the connection', async () => {
    // Three recordings of one call that ended yesterday at 09:15 Beijing time: 15 to 39 hours ago.
    const catalogue = syntheticCatalogue({ count: 3, size: 1_000, perConference: 3 });
    const session = await open({ demo: { catalogue } });
    const { app, page, demo, service } = session;
    const ends = new Set(catalogue.map((f) => DateTime.fromFormat(f.confrEndTime ?? '', 'yyyy-MM-dd HH:mm:ss', { zone: DEFAULT_TIMEZONE }).toMillis()));
    expect(ends.size).toBe(1);
    const end = [...ends][0]!;
    const deletesAfter = (days: number): string => new Date(end + days * DAY).toISOString();

    // The demo connection: the cloud's 30 days, about 29 left.
    await app.tryDemo();
    expect(await app.query('range', { preset: 'week' })).toBe(3);
    let shown = await badges(session);
    expect(shown).toHaveLength(3);
    for (const b of shown) {
      expect(b.deletesAt).toBe(deletesAfter(30));
      expect(daysIn(b.text)).toBeGreaterThanOrEqual(28);
      expect(daysIn(b.text)).toBeLessThanOrEqual(29);
      expect(b.urgent).toBe(false);
    }

    // A private deployment that keeps recordings 7 days, typed into the form.
    await app.go('connect');
    const form = page.getByTestId('connection-form');
    expect(await retentionField(form)).toBe('30');
    expect(await form.innerText()).toContain('Easemob cloud keeps recordings for 30 days');
    await form.locator('input[name="name"]').fill('Private 7');
    await form.locator('input[name="server"]').fill(demo.url);
    await form.locator('input[name="org"]').fill(demo.org);
    await form.locator('input[name="app"]').fill(demo.app);
    await form.locator('input[name="clientId"]').fill(demo.clientId);
    await form.locator('input[name="clientSecret"]').fill(demo.clientSecret);
    await form.locator('input[name="retentionDays"]').fill('7');
    await page.getByTestId('save-and-test').click();
    await page.locator('[data-testid="connect-status"] [data-status="ok"]').waitFor();
    const saved = (await service.handlers['connections:list'](undefined)).find((c) => c.name === 'Private 7');
    expect(saved).toMatchObject({ retentionDays: 7, active: true });

    expect(await app.query('range', { preset: 'week' })).toBe(3);
    shown = await badges(session);
    expect(shown).toHaveLength(3);
    for (const b of shown) {
      expect(b.deletesAt).toBe(deletesAfter(7));
      expect(daysIn(b.text)).toBeGreaterThanOrEqual(5);
      expect(daysIn(b.text)).toBeLessThanOrEqual(6);
      expect(b.urgent).toBe(false);
    }
    // In Chinese too.
    await app.setLanguage('zh-CN');
    for (const b of await badges(session)) expect(daysIn(b.text)).toBeLessThanOrEqual(6);
    await app.setLanguage('en');

    // Editing a connection shows its own period; 2 days leaves under 3: every badge turns red.
    await app.go('connect');
    const demoId = (await service.handlers['connections:list'](undefined)).find((c) => c.demo)?.id;
    await page.locator(`li[data-connection="${demoId}"]`).getByRole('button', { name: 'Edit', exact: true }).click();
    expect(await retentionField(form)).toBe('30');
    await page.locator(`li[data-connection="${saved?.id}"]`).getByRole('button', { name: 'Edit', exact: true }).click();
    expect(await retentionField(form)).toBe('7');
    await form.locator('input[name="retentionDays"]').fill('2');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('[data-testid="connect-status"] [data-status="ok"]', { hasText: 'Saved.' }).waitFor();

    expect(await app.query('range', { preset: 'week' })).toBe(3);
    shown = await badges(session);
    expect(shown).toHaveLength(3);
    for (const b of shown) {
      expect(b.deletesAt).toBe(deletesAfter(2));
      expect(b.urgent).toBe(true);
      expect(b.text).toMatch(/^expires (today|tomorrow|in \d+ hours?)$/);
    }
    expect(session.pageErrors).toEqual([]);
  });
});
