// The download-speed limit in Settings, in Chromium against the real service: a person types a limit,
// turns on office hours, picks the days, saves, and the service runs with exactly that.
import { describe, expect, it } from 'vitest';
import { sessionPerTest } from './session.ts';

describe('download speed in Settings', () => {
  const open = sessionPerTest();

  it('saves a limit and an office-hours limit on the chosen days, and shows them again after a reload', async () => {
    const session = await open();
    const { app, page, service } = session;
    await app.go('settings');
    const box = page.getByTestId('bandwidth');
    await box.getByLabel('Limit all downloads together to (MB/s)').fill('4');
    await expect(box.locator('input[name="officeMb"]').count()).resolves.toBe(0); // hidden until asked for
    await box.getByLabel('Slower during office hours, so the office network stays fast').check();
    await box.getByLabel('In office hours (MB/s)').fill('0.5');
    await box.locator('input[name="officeFrom"]').fill('08:30');
    await box.locator('input[name="officeTo"]').fill('17:30');
    await box.getByLabel('Fri').uncheck();
    await box.getByLabel('Sat').check();
    // saved as it changes: no Save button to find
    await page.getByTestId('settings-form').getByText('All changes saved.').waitFor();
    expect(await page.getByTestId('settings-form').getByRole('button', { name: /^Save/ }).count()).toBe(0);

    const MIB = 1024 * 1024;
    const settings = await service.handlers['settings:get'](undefined);
    expect(settings.bandwidth).toEqual({ limit: 4 * MIB, office: { enabled: true, limit: MIB / 2, days: [1, 2, 3, 4, 6], from: '08:30', to: '17:30' } });

    await page.reload();
    await app.go('settings');
    await expect(box.getByLabel('Limit all downloads together to (MB/s)').inputValue()).resolves.toBe('4');
    await expect(box.getByLabel('In office hours (MB/s)').inputValue()).resolves.toBe('0.5');
    await expect(box.getByLabel('Fri').isChecked()).resolves.toBe(false);
    expect(session.pageErrors).toEqual([]);
  });

  it('the download dialog sets the same one limit: typed there, it is saved and Settings shows it', async () => {
    const session = await open();
    const { app, page, service } = session;
    await app.tryDemo();
    await app.query('conference', { confrId: session.demo.files[0]!.confrId });
    await app.selectAll();
    await page.getByTestId('open-download').click();
    const panel = page.getByTestId('download-panel');
    await panel.getByTestId('pick-folder').click();
    await panel.getByLabel('Speed limit of all downloads (MB/s, 0: none)').fill('1.5');
    await panel.getByTestId('start-download').click();
    await page.locator('main.screen[data-screen="queue"]').waitFor();
    const settings = await service.handlers['settings:get'](undefined);
    expect(settings.bandwidth?.limit).toBe(1.5 * 1024 * 1024);
    await app.go('settings');
    await expect(page.getByTestId('bandwidth').getByLabel('Limit all downloads together to (MB/s)').inputValue()).resolves.toBe('1.5');
    expect(session.pageErrors).toEqual([]);
  });
});
