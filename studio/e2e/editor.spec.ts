// The code editor: a mistake is marked at its line as it is typed, a save the server refuses is
// marked at the line its JSON pointer names, a fix saves version 1, YAML and JSON switch without
// loss, a script step's TypeScript gets completions for `ctx` from slipway.d.ts, and Ctrl+M lets
// Tab leave the editor.
import { expect, test, type Page } from '@playwright/test';
import { api, keepScreenshot, signIn, unique } from './studio';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

// under the page's CSP (the jar's, or any server that sends it) nothing the editor needs is refused:
// no eval, no inline script, its workers and fonts from this origin
const refusals = new Map<Page, string[]>();
test.beforeEach(({ page }) => {
  const refused: string[] = [];
  refusals.set(page, refused);
  page.on('console', (m) => /Content Security Policy|Refused to/.test(m.text()) && refused.push(m.text()));
});
test.afterEach(({ page }) => expect(refusals.get(page)).toEqual([]));

/**
 * Replaces the spec's text as a user pasting it would: typed, or inserted as typed text, each new
 * line would meet the editor's auto-indent.
 */
async function replaceSpec(page: Page, text: string) {
  await page.getByTestId('spec-editor').locator('.view-lines').click();
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
}

/**
 * Monaco loads when the code tab first opens, and its TypeScript service when a script does: from
 * Vite's dev server, module by module, that takes seconds, and the service half a minute.
 */
const LOADING = { timeout: 90_000 };

function spec(name: string, method: string, sql: string, extra = '') {
  return [
    `name: ${name}`,
    `method: ${method}`,
    `path: /api/${name}`,
    'steps:',
    '  - id: rows',
    `    sql: ${sql}`,
    '    expect: many',
    ...(extra ? [extra] : []),
    'response:',
    '  body: ${steps.rows}',
    '',
  ].join('\n');
}

test('a new endpoint: mistakes marked at their lines, a refused save inline, a fix saved as v1', async ({ page }) => {
  const name = unique('edited');
  await signIn(page);
  await page.getByRole('link', { name: 'New endpoint' }).click();
  await expect(page).toHaveURL(/#\/endpoints\/new/);
  await expect(page.getByTestId('spec-editor').locator('.view-lines')).toContainText('name: hello', LOADING);

  // the schema's mistakes, before any save: the method on line 2, an unknown step field on line 8
  await replaceSpec(page, spec(name, 'FETCH', 'select id, name from app.projects', '    timeout: 5'));
  const problems = page.getByRole('list', { name: 'Problems in the spec' });
  await expect(problems.getByRole('button', { name: /line 2 \/method must be one of GET/ })).toBeVisible();
  await expect(problems.getByRole('button', { name: /line 8 \/steps\/0\/timeout unknown field "timeout"/ })).toBeVisible();
  await expect(page.getByTestId('spec-editor').locator('.squiggly-error')).toHaveCount(2);
  // a problem's button moves the cursor to its line
  await problems.getByRole('button', { name: /line 8/ }).click();
  await expect(page.getByTestId('spec-editor').locator('.active-line-number')).toHaveText('8');
  await expect(page.getByTestId('spec-editor').locator('textarea, .native-edit-context').first()).toBeFocused();

  // a syntax error is marked too
  await replaceSpec(page, `name: ${name}\nmethod: [GET\n`);
  await expect(problems).toContainText('line 3');

  // SQL the schema cannot judge: the server refuses the save and the step's SQL line is marked
  await replaceSpec(page, spec(name, 'GET', 'select * from app.nope'));
  await expect(page.getByTestId('spec-ok')).toHaveText('No problems found in the spec.');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.locator('.problem')).toContainText('422');
  const refused = problems.getByRole('button', { name: /line 6 \/steps\/0\/sql .*nope.*refused by the server/ });
  await expect(refused).toBeVisible();
  await expect(page.getByTestId('spec-editor').locator('.squiggly-error')).toHaveCount(1);
  await keepScreenshot(page, 'editor');

  // fixed: saved as version 1, and the page is the endpoint's
  await replaceSpec(page, spec(name, 'GET', 'select id, name from app.projects order by id limit 5'));
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page).toHaveURL(new RegExp(`#/endpoints/${name}/code`));
  await expect(page.getByTestId('versions')).toContainText('v1');
  await expect(page.getByTestId('spec-ok')).toHaveText('No problems found in the spec.');
  const saved = await api('GET', `/api/endpoints/${name}`);
  expect(saved.status).toBe(200);
  expect(saved.json.version).toBe(1);
  expect(saved.json.spec.steps[0].sql).toBe('select id, name from app.projects order by id limit 5');

  // its SQL opens in an SQL editor
  await page.getByRole('button', { name: 'SQL: rows' }).click();
  const sqlEditor = page.getByTestId('step-editor');
  await expect(sqlEditor).toHaveAttribute('data-language', 'sql');
  await expect(sqlEditor.locator('.view-lines')).toContainText('from app.projects');

  // YAML to JSON and back loses nothing: the text is the saved one again
  const specEditor = page.getByTestId('spec-editor');
  await page.getByRole('button', { name: 'JSON', exact: true }).click();
  await expect(page.getByRole('button', { name: 'JSON', exact: true })).toHaveAttribute('aria-pressed', 'true');
  await expect(specEditor.locator('.view-lines')).toContainText('"method": "GET"');
  // the same spec in another format is nothing to save
  await expect(page.getByText('unsaved')).toHaveCount(0);
  await expect(page.getByTestId('spec-ok')).toHaveText('No problems found in the spec.');
  await page.getByRole('button', { name: 'YAML', exact: true }).click();
  await expect(specEditor.locator('.view-lines')).toContainText('method: GET');
  await expect(page.getByText('unsaved')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Save draft' })).toBeDisabled();
});

test('a script step is edited in TypeScript with completions for ctx, and Tab can leave the editor', async ({ page }) => {
  test.setTimeout(240_000);
  const name = unique('scripted');
  const created = await api('POST', '/api/endpoints', {
    name,
    method: 'GET',
    path: `/api/${name}`,
    steps: [{ id: 'calc', script: 'return { n: 1 };\n' }],
    response: { body: '${steps.calc}' },
  });
  expect(created.status, created.text).toBe(201);
  await signIn(page);
  await page.goto(`/#/endpoints/${name}/code`);
  await expect(page.getByTestId('spec-editor').locator('.view-lines')).toContainText('return { n: 1 };', LOADING);
  await page.getByRole('button', { name: 'TypeScript: calc' }).click();
  const stepEditor = page.getByTestId('step-editor');
  await expect(stepEditor).toHaveAttribute('data-language', 'typescript');
  await expect(stepEditor.getByRole('textbox', { name: 'TypeScript of step calc' })).toBeAttached();
  await stepEditor.locator('.view-lines').click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('ctx.');
  const suggestions = page.locator('.suggest-widget');
  const option = (member: string) => suggestions.getByRole('option', { name: new RegExp(`^${member},`) });
  // the list opens by itself once the TypeScript service runs; while Vite's dev server still
  // sends it (half a minute), that first automatic request can go unanswered: then ask (Ctrl+Space)
  await expect(option('db'))
    .toBeVisible({ timeout: 20_000 })
    .catch(() => page.keyboard.press('Control+Space'));
  for (const member of ['db', 'input', 'fetch']) await expect(option(member)).toBeVisible(LOADING);
  await page.keyboard.press('Escape');
  await page.keyboard.type('input.query;');

  // the step's code went into the spec: its editor shows it, unsaved
  await expect(page.getByTestId('spec-editor').locator('.view-lines')).toContainText('ctx.input.query;');
  await expect(page.getByText('unsaved')).toBeVisible();
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByTestId('versions')).toContainText('v2');
  const saved = await api('GET', `/api/endpoints/${name}`);
  expect(saved.json.spec.steps[0].script).toBe('return { n: 1 };\nctx.input.query;');

  // Tab indents in the spec's editor; after Ctrl+M it moves on to the next control, and back
  await page.getByTestId('spec-editor').locator('.view-lines').click();
  await page.keyboard.press('Control+M');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'TypeScript: calc' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(page.getByRole('textbox', { name: 'Endpoint spec (YAML)' })).toBeFocused();
});
