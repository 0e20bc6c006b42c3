// Administration: a consumer key's token is shown once, a secret shows only its name, a bad egress
// entry is refused naming where, and what a viewer may not do is not offered.
import { expect, test } from '@playwright/test';
import { api, keepScreenshot, signIn, unique } from './studio';

test('keys show their token once, secrets only their names, egress names a bad entry', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByRole('table', { name: 'Members' })).toContainText('owner');

  const keyName = unique('key');
  await page.getByRole('tab', { name: 'Consumer keys' }).click();
  await page.getByLabel('Name', { exact: true }).fill(keyName);
  await page.getByLabel('Claims').fill('tenant_id=acme');
  await page.getByRole('button', { name: 'Create' }).click();
  const token = await page.getByTestId('token').locator('code').textContent();
  expect(token!.length).toBeGreaterThan(20);
  await expect(page.getByRole('table', { name: 'Consumer keys' })).toContainText(keyName);
  await page.getByRole('button', { name: 'I have kept it' }).click();
  await expect(page.getByTestId('token')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(token!);

  const secret = unique('SECRET').toUpperCase().replace(/-/g, '_');
  await page.getByRole('tab', { name: 'Secrets' }).click();
  await page.getByLabel('Secret name').fill(secret);
  await page.getByLabel('Value').fill('the-value-never-shown');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('list', { name: 'Secrets' })).toContainText(secret);
  await expect(page.locator('body')).not.toContainText('the-value-never-shown');
  await keepScreenshot(page, 'admin');

  const before = (await api('GET', '/api/org/egress')).json;
  await page.getByRole('tab', { name: 'Egress' }).click();
  await page.getByLabel('Allowed destinations').fill('api.example.com\nnot a host!');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.problem')).toContainText('/allow/1');
  expect((await api('GET', '/api/org/egress')).json).toEqual(before);

  await page.getByRole('tab', { name: 'Audit log' }).click();
  await expect(page.getByRole('table', { name: 'Audit log' })).toContainText('secret');
});

test('a viewer is not offered what a viewer may not do', async ({ page }) => {
  const email = `${unique('viewer')}@example.com`;
  const password = 'a viewer passphrase long enough';
  expect((await api('POST', '/api/members', { email, role: 'viewer', password })).status).toBe(201);
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('who')).toContainText('viewer');
  const nav = page.getByRole('navigation', { name: 'Studio' });
  await expect(nav.getByRole('link', { name: 'Logs' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Templates' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Chat' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'New endpoint' })).toHaveCount(0);
  await page.goto('/#/admin');
  await expect(page.getByRole('tab', { name: 'API keys' })).toHaveCount(0);
  await expect(page.getByRole('tab', { name: 'Secrets' })).toHaveCount(0);
  await expect(page.getByRole('form', { name: 'Add a member' })).toHaveCount(0);
});
