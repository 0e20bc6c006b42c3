// Making endpoints without writing them: from a template's config form (the bundle shown before
// anything is created, then created and deployed), and in the chat (the generation streamed, the
// drafts shown as diffs with their tests).
import { expect, test } from '@playwright/test';
import { api, keepScreenshot, signIn, unique } from './studio';

test('a template config form shows the bundle first, then creates and deploys it', async ({ page }) => {
  const resource = unique('things').replace(/[^a-z0-9-]/g, '');
  const table = `app.${resource.replace(/-/g, '_')}`;
  await signIn(page);
  await page.getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('link', { name: 'Use crud-endpoint' }).click();
  await keepScreenshot(page, 'templates');
  // the form is generated from the config's JSON Schema; the JSON beside it follows it
  await page.getByLabel('resource *').fill(resource);
  await page.getByLabel('table *').fill(table);
  await expect(page.getByLabel('Config as JSON')).toHaveValue(new RegExp(`"table": "${table}"`));

  await page.getByRole('button', { name: 'Preview the bundle' }).click();
  const bundle = page.getByTestId('bundle');
  await expect(bundle).toContainText('Nothing is created yet');
  await expect(page.getByTestId('migration')).toContainText('create table');
  await expect(bundle).toContainText(`/api/${resource}`);
  expect((await api('GET', '/api/endpoints')).json.map((e: { name: string }) => e.name).filter((n: string) => n.startsWith(resource))).toEqual([]);
  await keepScreenshot(page, 'template-bundle');

  await page.getByRole('button', { name: 'Create the drafts' }).click();
  const created = page.getByTestId('created');
  await expect(created).toContainText('Created as drafts');
  await expect(created).not.toContainText('✗');
  await page.getByRole('button', { name: 'Deploy them' }).click();
  await expect(created.getByRole('status')).toContainText('Deployed: release');
  const live = (await api('GET', '/api/releases/live')).json;
  expect(live.endpoints.map((e: { name: string }) => e.name).filter((n: string) => n.startsWith(resource)).length).toBeGreaterThan(0);
});

test('a bad config is refused with each problem next to its field', async ({ page }) => {
  await signIn(page);
  await page.goto('/#/templates/crud-endpoint');
  await page.getByLabel('resource *').fill('Not A Name');
  await page.getByRole('button', { name: 'Preview the bundle' }).click();
  await expect(page.locator('.problem')).toContainText('422');
  await expect(page.locator('[data-path="/resource"] .field-error')).toBeVisible();
});

test('the chat streams a generation and shows its drafts as diffs with their tests', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Chat' }).click();
  await page.getByLabel('Message').fill('list projects filtered by status');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page).toHaveURL(/#\/chat\/\d+/);
  const result = page.getByTestId('chat-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('list', { name: 'Progress' }).first()).toContainText('tests');
  await expect(result.getByRole('figure').first()).toContainText('+');
  await expect(result).toContainText('passed');
  await keepScreenshot(page, 'chat');
  // the conversation is kept: it is listed and opens again
  await page.reload();
  await expect(page.getByRole('article', { name: 'You' }).first()).toContainText('list projects filtered by status');
});

test('without a model, a description the offline planner cannot plan says why', async ({ page }) => {
  test.skip(!!process.env.STUDIO_MODEL, 'a model is configured: it plans everything');
  await signIn(page);
  await page.goto('/#/chat');
  await page.getByLabel('Message').fill('the top 5 teams by monthly activity, compared with last year');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(page.locator('.problem')).toContainText('model_required', { timeout: 60_000 });
});
