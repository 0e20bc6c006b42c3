// The code editor: a mistake is marked as it is typed, a save the server refuses is marked at the
// line its JSON pointer names, and a script step's TypeScript gets completions from slipway.d.ts.
import { expect, test, type Page } from '@playwright/test';
import { api, keepScreenshot, signIn, unique } from './studio';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

/** Replaces the spec as a user pasting it would (typing would meet the editor's auto-indent). */
async function replaceSpec(page: Page, text: string) {
  const editor = page.getByTestId('spec-editor');
  await editor.locator('.view-lines').click();
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
}

function spec(name: string, method: string, sql: string) {
  return [
    `name: ${name}`,
    `method: ${method}`,
    `path: /api/${name}`,
    'steps:',
    '  - id: rows',
    `    sql: ${sql}`,
    '    expect: many',
    'response:',
    '  body: ${steps.rows.rows}',
    '',
  ].join('\n');
}

test('a mistake is marked as typed, a refused save at its line, and a fix saves', async ({ page }) => {
  const name = unique('edited');
  await signIn(page);
  await page.getByRole('link', { name: 'New endpoint' }).click();
  await expect(page.getByTestId('spec-editor').locator('.view-lines')).toBeVisible();

  // the schema's mistake, before any save: line 2 names the method
  await replaceSpec(page, spec(name, 'FETCH', 'select id, name from app.projects'));
  const problems = page.getByRole('list', { name: 'Problems in the spec' });
  await expect(problems).toContainText('/method');
  await expect(problems.getByRole('button', { name: 'line 2' })).toBeVisible();
  await expect(page.locator('.squiggly-error').first()).toBeVisible();

  // SQL the schema cannot judge: the server refuses it and the editor marks the step's line
  await replaceSpec(page, spec(name, 'GET', 'select id from app.no_such_table'));
  await expect(page.getByTestId('spec-ok')).toBeVisible();
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.locator('.problem')).toContainText('422');
  await expect(problems).toContainText('/steps/0');
  await expect(problems.getByRole('button', { name: /line [56]/ })).toBeVisible();
  await keepScreenshot(page, 'editor');

  await replaceSpec(page, spec(name, 'GET', 'select id, name from app.projects limit 5'));
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page).toHaveURL(new RegExp(`#/endpoints/${name}`));
  await expect(page.getByTestId('versions')).toContainText('v1');
  const saved = await api('GET', `/api/endpoints/${name}`);
  expect(saved.json.spec.steps[0].sql).toBe('select id, name from app.projects limit 5');

  // YAML to JSON and back loses nothing
  await page.getByRole('button', { name: 'JSON', exact: true }).click();
  await expect(page.getByTestId('spec-editor')).toContainText('"method": "GET"');
  await page.getByRole('button', { name: 'YAML', exact: true }).click();
  await expect(page.getByTestId('spec-editor')).toContainText('method: GET');
  await expect(page.getByRole('button', { name: 'Save draft' })).toBeDisabled();
});

test('a script step is edited in TypeScript with completions for ctx', async ({ page }) => {
  test.slow();
  const name = unique('scripted');
  const saved = await api('POST', '/api/endpoints', {
    name,
    method: 'GET',
    path: `/api/${name}`,
    steps: [{ id: 'calc', script: 'return { n: 1 };\n' }],
    response: { body: '${steps.calc}' },
  });
  expect(saved.status, saved.text).toBe(201);
  await signIn(page);
  await page.goto(`/#/endpoints/${name}/code`);
  await page.getByRole('button', { name: 'TypeScript: calc' }).click();
  const stepEditor = page.getByTestId('step-editor');
  await stepEditor.locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('ctx');
  // the TypeScript worker starts with the first script editor: on a busy machine that takes a while,
  // so ask for the completions again (Ctrl+Space) until they come
  const suggestions = page.locator('.suggest-widget');
  await page.keyboard.type('.');
  await expect(async () => {
    if (!(await suggestions.isVisible())) await page.keyboard.press('Control+Space');
    await expect(suggestions).toContainText('db', { timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  await expect(suggestions).toContainText('db');
  await expect(suggestions).toContainText('fetch');
  await page.keyboard.press('Escape');
  await page.keyboard.type('input.query;');
  // the step's code went into the spec: the spec editor shows it
  await expect(page.getByTestId('spec-editor')).toContainText('ctx.input.query');
  await expect(page.getByText('unsaved')).toBeVisible();
});
