// Making endpoints without writing them: from a template's config form (the bundle shown first, by
// a dry run, then created and deployed), and in the chat (the generation streamed, the drafts shown
// as diffs with their tests and checks; without a model, what cannot be planned says why).
import { expect, test } from '@playwright/test';
import { api, keepScreenshot, signIn, unique } from './studio';

test('a template config form shows the bundle first, then creates and deploys it', async ({ page }) => {
  const resource = unique('things').replace(/[^a-z0-9-]/g, '');
  const table = `app.${resource.replace(/-/g, '_')}`;
  await signIn(page);
  await page.getByRole('link', { name: 'Templates' }).click();
  await expect(page.getByRole('heading', { name: 'crud-endpoint' })).toBeVisible();
  await page.getByRole('link', { name: 'Use crud-endpoint' }).click();

  // the form is generated from the config's JSON Schema: required fields marked, defaults filled in
  await expect(page.getByLabel('basePath')).toHaveValue('/api');
  await page.getByLabel('resource *').fill(resource);
  await page.getByLabel('table *').fill(table);
  await keepScreenshot(page, 'templates');
  // the raw JSON follows the form, and the form follows the raw JSON
  const json = page.getByLabel('Config as JSON');
  await expect(json).toHaveValue(new RegExp(`"table": "${table}"`));
  const config = JSON.parse(await json.inputValue());
  await json.fill(JSON.stringify({ ...config, orderBy: '-created_at' }, null, 2));
  await expect(page.getByLabel('orderBy')).toHaveValue('-created_at');

  await page.getByRole('button', { name: 'Preview the bundle' }).click();
  const bundle = page.getByTestId('bundle');
  await expect(bundle).toContainText('Nothing is created yet');
  await expect(page.getByTestId('migration')).toContainText(`create table "app"."${table.slice(4)}"`);
  await expect(bundle).toContainText(`GET /api/${resource}`);
  await bundle.getByText(`${resource}-list (YAML)`).click();
  await expect(bundle).toContainText(`path: /api/${resource}`);
  // a dry run saved nothing
  const names = async () => (await api('GET', '/api/endpoints')).json.map((e: { name: string }) => e.name).filter((n: string) => n.startsWith(resource));
  expect(await names()).toEqual([]);
  await bundle.evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await keepScreenshot(page, 'template-bundle');

  await page.getByRole('button', { name: 'Create the drafts' }).click();
  const created = page.getByTestId('created');
  await expect(created).toContainText('Created as drafts');
  await expect(created).toContainText('the migration ran');
  await expect(created.locator('.badge.good')).toContainText(/(\d+) of \1 passed/);
  await expect(created).not.toContainText('✗');
  expect((await names()).length).toBe(5);

  await created.getByRole('button', { name: 'Deploy them' }).click();
  await expect(created.getByRole('status')).toContainText('Deployed: release');
  await expect(created.getByRole('link', { name: 'See deploys' })).toHaveAttribute('href', '#/deploys');
  const live = (await api('GET', '/api/releases/live')).json;
  expect(live.endpoints.map((e: { name: string }) => e.name).filter((n: string) => n.startsWith(resource)).sort()).toEqual((await names()).sort());
});

test('a bad config is refused with each problem next to its field', async ({ page }) => {
  await signIn(page);
  await page.goto('/#/templates/crud-endpoint');
  await page.getByLabel('resource *').fill('Not A Name');
  await page.getByRole('button', { name: 'Preview the bundle' }).click();
  await expect(page.locator('.problem')).toContainText('422');
  await expect(page.locator('.problem')).toContainText('/config/resource');
  await expect(page.locator('[data-path="/resource"] .field-error')).toContainText('pattern');
  // JSON that does not read is held back, and said so
  await page.getByLabel('Config as JSON').fill('{"resource": ');
  await expect(page.getByText('Not JSON yet')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Preview the bundle' })).toBeDisabled();
});

test('the chat streams a generation and shows its drafts as diffs with their tests', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Chat' }).click();
  await page.getByLabel('Message').fill('list projects filtered by status');
  await page.getByLabel('Message').press('Control+Enter');
  await expect(page).toHaveURL(/#\/chat\/\d+/);
  const result = page.getByTestId('chat-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('list', { name: 'Progress' }).last()).toContainText('tests');
  // each draft: saved (not deployed), its diff against the version before, a way to open it
  await expect(result).toContainText(/saved as draft v\d+|unchanged: draft v\d+/);
  const diff = result.getByRole('figure').first();
  await expect(diff).toContainText(/\+\d+/);
  await expect(diff.locator('pre .diff-add, pre .diff-del').first()).toBeVisible();
  await expect(result.getByRole('link', { name: 'Open in editor' }).first()).toHaveAttribute('href', /^#\/endpoints\/[^/]+$/);
  await expect(result.getByRole('link', { name: 'Preview' }).first()).toHaveAttribute('href', /^#\/endpoints\/[^/]+\/test$/);
  await expect(result.locator('.badge.good')).toContainText(/(\d+) of \1 passed/);
  await expect(result).toContainText('security review');
  await expect(result.getByRole('button', { name: 'Deploy' })).toBeVisible();
  await expect(page.getByLabel('Message')).toBeEnabled();
  await page.getByRole('article', { name: 'Slipway' }).last().evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await keepScreenshot(page, 'chat');
  // the conversation is kept: it is listed and opens again
  const url = page.url();
  await page.reload();
  expect(page.url()).toBe(url);
  await expect(page.getByRole('article', { name: 'You' }).first()).toContainText('list projects filtered by status');
  await expect(page.getByTestId('chat-result')).toBeVisible();
  await expect(page.getByRole('complementary', { name: 'Conversations' }).getByRole('link', { name: 'list projects filtered by status' }).first()).toBeVisible();
  // a new conversation starts empty
  await page.getByRole('link', { name: 'New conversation' }).click();
  await expect(page.getByRole('article')).toHaveCount(0);
});

test('without a model, a description the offline planner cannot plan says why', async ({ page }) => {
  test.skip(!!process.env.STUDIO_MODEL, 'a model is configured: it plans everything');
  await signIn(page);
  await page.goto('/#/chat');
  await page.getByLabel('Message').fill('the top 5 teams by monthly activity, compared with last year');
  await page.getByRole('button', { name: 'Send' }).click();
  const problem = page.getByRole('article', { name: 'Slipway' }).locator('.problem');
  await expect(problem).toContainText('model_required', { timeout: 60_000 });
  await expect(problem).toContainText('/description');
  await expect(page.getByRole('article', { name: 'Slipway' })).toContainText('SLIPWAY_AI_PROVIDER');
  await expect(page.getByLabel('Message')).toBeEnabled();
});
