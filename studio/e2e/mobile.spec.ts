// At 375 px wide the endpoints list, the logs, deploying and rolling back, and the chat are usable:
// nothing runs off the side of the page and every control they need is on screen.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { api, dataUrl, keepScreenshot, signIn, unique } from './studio';

test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });

async function fitsTheScreen(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(1);
}

async function onScreen(locator: Locator) {
  await locator.scrollIntoViewIfNeeded();
  const box = (await locator.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(376);
}

test('the list, logs, deploy and rollback, and chat work at 375 px', async ({ page }) => {
  const name = unique('small');
  const spec = (n: number) => ({ name, method: 'GET', path: `/api/${name}`, response: { body: { n } } });
  expect((await api('POST', '/api/endpoints', spec(1))).status).toBe(201);
  expect((await api('POST', '/api/deploy', { endpoints: [name] })).status).toBe(201);
  // the release goes live on the data plane a moment after the deploy answers
  await expect.poll(async () => (await fetch(`${dataUrl}/api/${name}`)).status).toBe(200);
  expect((await api('PUT', `/api/endpoints/${name}`, spec(2))).status).toBe(201);

  await signIn(page);
  await expect(page.locator(`tr[data-endpoint="${name}"]`)).toBeVisible();
  await fitsTheScreen(page);
  await keepScreenshot(page, 'mobile-endpoints');

  // the menu opens the other screens
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Studio' }).getByRole('link', { name: 'Logs' }).click();
  await page.goto(`/#/logs?endpoint=${name}`);
  await expect(page.getByRole('table', { name: 'Calls' }).locator('tbody tr')).toHaveCount(1);
  await fitsTheScreen(page);

  // deploy v2 from the endpoint's page, then roll back on the deploys page
  await page.goto(`/#/endpoints/${name}/versions`);
  const deploy = page.getByRole('button', { name: 'Deploy v2' }).first();
  await onScreen(deploy);
  await deploy.click();
  await expect(page.getByRole('status').filter({ hasText: 'Deployed version 2' })).toBeVisible();
  await expect.poll(async () => (await (await fetch(`${dataUrl}/api/${name}`)).json()).n).toBe(2);
  await fitsTheScreen(page);

  const releases = (await api('GET', '/api/releases')).json as { id: number; live: boolean; endpoints: { name: string; version: number }[] }[];
  const earlier = releases.find((r) => !r.live && r.endpoints.some((e) => e.name === name && e.version === 1))!;
  await page.goto('/#/deploys');
  const rollback = page.getByRole('button', { name: `Roll back to #${earlier.id}`, exact: true });
  await onScreen(rollback);
  await rollback.click();
  await page.getByRole('button', { name: `Confirm rollback to #${earlier.id}` }).click();
  await expect.poll(async () => (await (await fetch(`${dataUrl}/api/${name}`)).json()).n).toBe(1);
  await fitsTheScreen(page);
  await keepScreenshot(page, 'mobile-deploys');

  await page.goto('/#/chat');
  const message = page.getByLabel('Message');
  await onScreen(message);
  await onScreen(page.getByRole('button', { name: 'Send' }));
  await fitsTheScreen(page);
  await keepScreenshot(page, 'mobile-chat');
});
