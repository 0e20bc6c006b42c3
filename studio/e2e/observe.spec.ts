// Watching calls: a deployed endpoint's calls in the log search, one call's detail and replay, the
// live tail adding a call as it is answered, and the analytics charts counting them.
import { expect, test } from '@playwright/test';
import { api, dataUrl, keepScreenshot, signIn, unique } from './studio';

test('calls show in the log, the live tail, a replay and the charts', async ({ page }) => {
  const name = unique('watched');
  const saved = await api('POST', '/api/endpoints', {
    name,
    method: 'POST',
    path: `/api/${name}`,
    log: { bodies: true },
    steps: [{ id: 'echo', script: 'return { got: ctx.input.body };' }],
    response: { body: '${steps.echo}' },
  });
  expect(saved.status, saved.text).toBe(201);
  expect((await api('POST', '/api/deploy', { endpoints: [name] })).status).toBe(201);
  const call = (n: number) => fetch(`${dataUrl}/api/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ n }) });
  // the release goes live on the data plane a moment after the deploy answers
  await expect.poll(async () => (await call(1)).status).toBe(200);
  for (let i = 2; i <= 3; i++) expect((await call(i)).status).toBe(200);

  await signIn(page);
  await page.goto(`/#/logs?endpoint=${name}`);
  const rows = page.getByRole('table', { name: 'Calls' }).locator('tbody tr');
  await expect(rows).toHaveCount(3);

  // the live tail adds a call made after it was switched on
  await page.getByLabel('Live tail').check();
  await expect(page.getByRole('status').filter({ hasText: 'live' })).toBeVisible();
  expect((await call(4)).status).toBe(200);
  await expect(rows).toHaveCount(4);
  await keepScreenshot(page, 'logs');

  // a call's detail, its bodies and a replay against the live version
  await rows.first().getByRole('link').click();
  await expect(page.getByTestId('response-body')).toContainText('"n": 4');
  await page.getByRole('button', { name: 'Replay' }).click();
  const replay = page.getByTestId('replay');
  await expect(replay).toContainText('same status');
  await expect(replay).toContainText('same body');

  // the charts count them (rollups are summed every couple of seconds)
  await expect(async () => {
    await page.goto(`/#/analytics?range=1h&endpoint=${name}`);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.locator('[data-total="Calls"]')).toHaveText('4', { timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByRole('img', { name: /^Calls\./ })).toBeVisible();
  await expect(page.locator(`tr[data-endpoint="${name}"]`)).toContainText('4');
  await keepScreenshot(page, 'analytics');
});
