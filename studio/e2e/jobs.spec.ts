// Background work: a dead job is seen and retried from the Jobs screen, a schedule is paused and
// resumed from its tab (the API agreeing each time), and the webhooks tab answers.
import { expect, test } from '@playwright/test';
import { api, keepScreenshot, signIn, unique } from './studio';

test('a dead job is retried and a schedule paused and resumed from the Jobs screen', async ({ page }) => {
  const handler = unique('flaky');
  const schedule = unique('nightly');
  for (const spec of [
    { name: handler, trigger: { job: { attempts: 1 } }, steps: [{ id: 'fail', respond: { status: 503, body: { down: true } } }] },
    { name: schedule, trigger: { schedule: { cron: '0 3 * * *', timezone: 'Europe/Berlin' } }, steps: [{ id: 'ok', respond: { status: 200, body: {} } }] },
  ]) {
    expect((await api('POST', '/api/endpoints', spec)).status).toBeLessThan(300);
  }
  const deployed = await api('POST', '/api/deploy', { targets: [{ name: handler }, { name: schedule }] });
  expect(deployed.status, deployed.text).toBe(201);
  const job = (await api('POST', '/api/jobs', { handler, payload: { n: 1 } })).json.id as number;
  await expect.poll(async () => (await api('GET', `/api/jobs/${job}`)).json.status, { timeout: 20_000 }).toBe('dead');

  await signIn(page);
  await page.getByRole('link', { name: 'Jobs' }).click();
  await page.getByLabel('Handler').fill(handler);
  await page.getByRole('button', { name: 'Filter' }).click();
  const row = page.locator(`tr[data-job="${job}"]`);
  await expect(row).toContainText('dead');
  await expect(row).toContainText('503');
  await keepScreenshot(page, 'jobs');
  const firstEnd = (await api('GET', `/api/jobs/${job}`)).json.finishedAt as string;
  await row.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Job ${job} is queued again.` })).toBeVisible();
  // run again, and dead again after its one attempt
  await expect
    .poll(async () => {
      const again = (await api('GET', `/api/jobs/${job}`)).json;
      return again.status === 'dead' && again.finishedAt !== firstEnd;
    }, { timeout: 20_000 })
    .toBe(true);

  await page.getByRole('tab', { name: 'Schedules' }).click();
  const line = page.locator(`tr[data-schedule="${schedule}"]`);
  await expect(line).toContainText('0 3 * * *');
  await expect(line).toContainText('Europe/Berlin');
  await line.getByRole('button', { name: 'Pause' }).click();
  await expect(line).toContainText('paused');
  expect((await api('GET', `/api/schedules/${schedule}`)).json.schedule.paused).toBe(true);
  await line.getByRole('button', { name: 'Resume' }).click();
  await expect(line.getByRole('button', { name: 'Pause' })).toBeVisible();
  expect((await api('GET', `/api/schedules/${schedule}`)).json.schedule.paused).toBe(false);

  await page.getByRole('tab', { name: 'Webhooks out' }).click();
  await expect(page.getByRole('table', { name: 'Webhook deliveries' }).or(page.getByText('No webhooks sent yet'))).toBeVisible();
});
