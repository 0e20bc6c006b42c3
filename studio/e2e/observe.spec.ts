// Watching and running the org: a deployed endpoint's calls in the log search, one call's detail
// and its replay, the live tail adding a call made after it was switched on, the analytics
// counting them; and in Admin a consumer key's token shown once, a secret shown by name only and
// an egress list with a bad entry refused naming where.
import { expect, test } from '@playwright/test';
import { api, dataUrl, keepScreenshot, signIn, unique } from './studio';

test('calls show in the log, its detail and replay, the live tail and the analytics', async ({ page }) => {
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
  const deployed = await api('POST', '/api/deploy', { endpoints: [name] });
  expect(deployed.status, deployed.text).toBe(201);
  const call = (n: number) =>
    fetch(`${dataUrl}/api/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ n }) });
  // the release goes live on the data plane a moment after the deploy answers
  await expect.poll(async () => (await call(1)).status, { timeout: 15_000 }).toBe(200);
  for (const n of [2, 3]) expect((await call(n)).status).toBe(200);

  await signIn(page);
  await page.getByRole('navigation', { name: 'Studio' }).getByRole('link', { name: 'Logs' }).click();
  await page.getByLabel('Endpoint', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`endpoint=${name}`));
  const rows = page.getByRole('table', { name: 'Calls' }).locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText(`POST /api/${name}`);
  await expect(rows.first()).toContainText('v1');
  await expect(rows.first()).toContainText('200');

  // the live tail puts a call made after it was switched on at the top
  await page.getByLabel('Live tail').check();
  await expect(page.getByRole('status').filter({ hasText: /^live$/ })).toBeVisible();
  expect((await call(4)).status).toBe(200);
  await expect(rows).toHaveCount(4);
  await keepScreenshot(page, 'logs');

  // the newest call's detail: its fields, steps and bodies
  await rows.first().click();
  await expect(page).toHaveURL(/#\/logs\/[0-9a-f]+$/);
  await expect(page.getByRole('list', { name: 'Step timings' })).toContainText('echo');
  await expect(page.getByTestId('request-body')).toContainText('"n": 4');
  await expect(page.getByTestId('response-body')).toContainText('"got"');
  await expect(page.locator('.facts')).toContainText(`${name} v1`);

  // replayed against the live version, it answers the same
  await page.getByRole('button', { name: 'Replay' }).click();
  const replay = page.getByTestId('replay');
  await expect(replay).toContainText('same status');
  await expect(replay).toContainText('same body');
  await expect(replay).toContainText('Recorded (v1)');
  await expect(replay).toContainText('Replayed (v1)');

  // the analytics count the four calls (rollups are summed every couple of seconds)
  await page.goto(`/#/analytics?range=1h&endpoint=${name}`);
  await expect(async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page.locator('[data-total="Calls"]')).toHaveText('4', { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByRole('img', { name: /^Calls by status\. 2xx 4 calls/ })).toBeVisible();
  await expect(page.locator('.chart canvas').first()).toBeVisible();
  await expect(page.locator(`tr[data-endpoint="${name}"]`)).toContainText('4');
  await expect(page.getByRole('table', { name: 'Slowest steps' })).toContainText('echo');
  await keepScreenshot(page, 'analytics');

  // an hour with nothing in it says so
  await page.goto(`/#/analytics?range=1h&endpoint=${unique('never-called')}`);
  await expect(page.getByText('No calls in this range.')).toBeVisible();
});

test('admin: a consumer key token shown once, a secret by name only, a bad egress entry named', async ({ page }) => {
  await signIn(page);
  await page.goto('/#/admin/consumer-keys');
  await expect(page.getByRole('tab', { name: 'Consumer keys' })).toHaveAttribute('aria-selected', 'true');

  // a consumer key: its token once, then never again
  const keyName = unique('observer-key');
  const form = page.getByRole('form', { name: 'New consumer key' });
  await form.getByLabel('Name').fill(keyName);
  await form.getByLabel('Roles').fill('reader, auditor');
  await form.getByLabel('Claims').fill('tenant_id=acme');
  await form.getByRole('button', { name: 'Create' }).click();
  const box = page.getByTestId('token');
  await expect(box).toContainText('will not be shown again');
  const token = (await box.locator('code').textContent())!;
  expect(token.length).toBeGreaterThan(20);
  const row = page.locator(`tr[data-key="${keyName}"]`);
  await expect(row).toContainText('reader, auditor');
  await expect(row).toContainText('tenant_id=acme');
  await expect(row).not.toContainText(token);
  await page.getByRole('button', { name: 'I have kept it' }).click();
  await expect(box).toHaveCount(0);
  await page.reload();
  await expect(row).toBeVisible();
  await expect(page.locator('body')).not.toContainText(token);
  // revoked after a confirmation
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: `Revoke ${keyName}` }).click();
  await expect(row).toContainText('revoked');

  // a secret: its name and when, never its value
  const secret = unique('OBSERVE').toUpperCase().replace(/-/g, '_');
  const value = `value-${unique('never-shown')}`;
  await page.getByRole('tab', { name: 'Secrets' }).click();
  await expect(page).toHaveURL(/#\/admin\/secrets$/);
  await page.getByLabel('Secret name').fill(secret);
  await page.getByLabel('Value').fill(value);
  await expect(page.getByLabel('Value')).toHaveAttribute('type', 'password');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Saved ${secret}` })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Secrets' })).toContainText(secret);
  await expect(page.locator('body')).not.toContainText(value);
  expect(await page.content()).not.toContain(value);
  await keepScreenshot(page, 'admin');
  page.once('dialog', (d) => void d.accept());
  await page.getByRole('button', { name: `Delete ${secret}` }).click();
  await expect(page.getByRole('list', { name: 'Secrets' })).not.toContainText(secret);

  // egress: a bad entry is refused naming /allow/<i> and its line; nothing is saved
  const before = (await api('GET', '/api/org/egress')).json;
  await page.getByRole('tab', { name: 'Egress' }).click();
  await page.getByLabel('Allowed destinations').fill('api.example.com\n\nnot a host!');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.problem')).toContainText('422');
  await expect(page.locator('.problem')).toContainText('/allow/1');
  await expect(page.getByRole('list', { name: 'Refused lines' })).toContainText('line 3: not a host!');
  expect((await api('GET', '/api/org/egress')).json).toEqual(before);

  // the audit log has what was done
  await page.getByRole('tab', { name: 'Audit log' }).click();
  await page.getByLabel('Action').fill('consumer_key');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('consumer_key.revoke');
});
