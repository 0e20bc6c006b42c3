import { expect, test } from '@playwright/test';
import { api, email, keepScreenshot, signIn, unique } from './studio';

test('a wrong password is refused with a clear message and the form stays', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('401');
  await expect(page.getByLabel('Email')).toHaveValue(email);
});

test('signed in, the endpoints list shows each endpoint with its live version and drafts ahead', async ({ page }) => {
  const name = unique('listed');
  const saved = await api('POST', '/api/endpoints', { name, method: 'GET', path: `/api/${name}`, response: { body: { ok: true } } });
  expect(saved.status).toBe(201);
  expect((await api('POST', '/api/deploy', { endpoints: [name] })).status).toBe(201);
  expect((await api('PUT', `/api/endpoints/${name}`, { name, method: 'GET', path: `/api/${name}`, response: { body: { ok: 2 } } })).status).toBe(201);

  await signIn(page);
  await expect(page.getByTestId('who')).toContainText('owner');
  const row = page.locator(`tr[data-endpoint="${name}"]`);
  await expect(row).toContainText('v1');
  await expect(row).toContainText('1 draft ahead');
  await page.getByLabel('Search endpoints').fill(name);
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await keepScreenshot(page, 'endpoints');

  // a reload keeps the session and its CSRF token: an unsafe request still passes
  await page.reload();
  await expect(page.getByTestId('who')).toContainText(email);
  const csrf = await page.evaluate(() => sessionStorage.getItem('slipway.csrf'));
  expect(csrf).toBeTruthy();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});
