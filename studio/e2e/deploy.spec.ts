// The test console, deploying and rolling back: a draft is called with its steps' timings and
// logs, its test cases pass and fail, it is deployed from the page header, a second version is
// compared with it, and a rollback on the Deploys screen brings the first back on the data plane.
import { expect, test, type Page } from '@playwright/test';
import { api, dataUrl, keepScreenshot, signIn, unique } from './studio';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

type Release = { id: number; endpoints: { name: string; version: number }[] };

/** An endpoint that doubles (or triples, ...) the query's n, logging it first. */
function spec(name: string, factor: number) {
  return {
    name,
    method: 'GET',
    path: `/api/${name}`,
    input: { query: { n: { type: 'integer' } } },
    steps: [{ id: 'calc', script: `console.log('n is', ctx.input.query.n);\nreturn { n: Number(ctx.input.query.n ?? 1) * ${factor} };\n` }],
    response: { body: '${steps.calc}' },
  };
}

/** The spec as YAML text, as a user would paste it into the code editor. */
function yaml(name: string, factor: number) {
  return [
    `name: ${name}`,
    'method: GET',
    `path: /api/${name}`,
    'input:',
    '  query:',
    '    n: {type: integer}',
    'steps:',
    '  - id: calc',
    `    script: "console.log('n is', ctx.input.query.n); return { n: Number(ctx.input.query.n ?? 1) * ${factor} };"`,
    'response:',
    '  body: ${steps.calc}',
    '',
  ].join('\n');
}

/** Replaces the draft in the code editor (Monaco loads module by module from Vite: seconds). */
async function pasteSpec(page: Page, text: string) {
  await page.getByRole('tab', { name: 'Code' }).click();
  await pasteInEditor(page, text);
  await page.getByRole('tab', { name: 'Test' }).click();
}

/** Replaces the code editor's text, as a paste. */
async function pasteInEditor(page: Page, text: string) {
  const lines = page.getByTestId('spec-editor').locator('.view-lines');
  await expect(lines).toContainText('calc', { timeout: 90_000 });
  await lines.click();
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
}

/** What the data plane answers for n=5. */
async function served(name: string): Promise<unknown> {
  const response = await fetch(`${dataUrl}/api/${name}?n=5`);
  return response.ok ? (await response.json()).n : response.status;
}

/**
 * After the rollback, puts back what it took from other endpoints (others' tests share the org):
 * each endpoint the rollback moved and nobody touched since goes back to its version before.
 */
async function restoreOthers(name: string, before: Release | undefined, rolledBackTo: Release) {
  const now = (await api('GET', '/api/releases/live')).json as Release;
  const versions = (r: Release | undefined) => new Map((r?.endpoints ?? []).map((e) => [e.name, e.version]));
  const [was, rolled, live] = [versions(before), versions(rolledBackTo), versions(now)];
  const endpoints: { name: string; version: number }[] = [];
  const remove: string[] = [];
  for (const n of new Set([...was.keys(), ...rolled.keys()])) {
    if (n === name || was.get(n) === rolled.get(n) || live.get(n) !== rolled.get(n)) continue;
    if (was.has(n)) endpoints.push({ name: n, version: was.get(n)! });
    else remove.push(n);
  }
  if (endpoints.length || remove.length) expect((await api('POST', '/api/deploy', { endpoints, remove, note: 'deploy.spec: undo the rollback for others' })).status).toBe(201);
}

test('preview with timings and logs, tests, deploy, compare, roll back', async ({ page }) => {
  const name = unique('console');
  expect((await api('POST', '/api/endpoints', spec(name, 2))).status).toBe(201);
  await signIn(page);

  // the console: n=21 into the query row the spec's input names, sent to the saved draft
  await page.goto(`/#/endpoints/${name}/test`);
  await expect(page.getByLabel('Query parameter 1 name')).toHaveValue('n');
  await page.getByLabel('Query parameter 1 value').fill('21');
  await expect(page.getByTestId('request-line')).toHaveText(`/api/${name}?n=21`);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
  const answer = page.getByTestId('answer');
  await expect(answer.locator('h2 .badge')).toHaveText('200');
  await expect(page.getByTestId('answer-body')).toContainText('"n": 42');
  await expect(page.getByRole('list', { name: 'Step timings' }).getByRole('listitem')).toContainText(['calc']);
  await expect(page.getByRole('list', { name: 'Step timings' })).toContainText(/\d+\.\d\d ms/);
  await expect(page.getByTestId('answer-logs')).toContainText('n is 21');
  await keepScreenshot(page, 'test-console');

  // re-run as you edit: with auto re-run on, a new query value is sent without a click
  await page.getByLabel('Auto re-run on each change and save').check();
  await page.getByLabel('Query parameter 1 value').fill('4');
  await expect(page.getByTestId('answer-body')).toContainText('"n": 8');
  await expect(page.getByTestId('answer-logs')).toContainText('n is 4');
  await page.getByLabel('Auto re-run on each change and save').uncheck();

  // the draft's test cases: one that passes, then one that expects what it does not answer
  const cases = page.getByLabel('Test cases (JSON)');
  await expect(cases).toHaveValue(new RegExp(`"path": "/api/${name}`));
  await cases.fill(JSON.stringify([{ name: 'doubles', method: 'GET', path: `/api/${name}?n=2`, status: 200 }]));
  await page.getByRole('button', { name: 'Run tests' }).click();
  const results = page.getByTestId('test-results');
  await expect(results).toContainText('1 passed');
  await expect(results).toContainText('0 failed');
  await expect(results.locator('li.passed')).toContainText('doubles');
  await cases.fill(JSON.stringify([{ name: 'wrongly expects 201', method: 'GET', path: `/api/${name}`, status: 201 }]));
  await page.getByRole('button', { name: 'Run tests' }).click();
  await expect(results).toContainText('1 failed');
  await expect(results.locator('li.failed')).toContainText('wrongly expects 201');
  await expect(results.locator('li.failed')).toContainText('expected status 201');
  // the cases are kept per endpoint across reloads
  await page.reload();
  await expect(page.getByLabel('Test cases (JSON)')).toHaveValue(/wrongly expects 201/);

  // deploy v1 from the page header, then call the data plane
  await page.getByRole('button', { name: 'Deploy v1' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Deployed version 1' })).toBeVisible();
  await expect.poll(() => served(name)).toBe(10);

  // a second version, saved and deployed through the API; the versions tab shows the change
  expect((await api('PUT', `/api/endpoints/${name}`, spec(name, 3))).status).toBe(201);
  expect((await api('POST', '/api/deploy', { endpoints: [{ name, version: 2 }], note: `deploy.spec: ${name} v2` })).status).toBe(201);
  await expect.poll(() => served(name)).toBe(15);
  await page.goto(`/#/endpoints/${name}/versions`);
  await expect(page.locator('tr[data-version="2"]')).toContainText('live');
  const diff = page.getByRole('figure', { name: 'v1 → v2' });
  await expect(diff.locator('pre .diff-del')).toContainText('* 2');
  await expect(diff.locator('pre .diff-add')).toContainText('* 3');

  // roll back to the release that made v1 live: the confirm step says what it changes
  const releases = (await api('GET', '/api/releases?limit=200')).json as Release[];
  const withV1 = releases.find((r) => r.endpoints.some((e) => e.name === name && e.version === 1))!;
  const before = (await api('GET', '/api/releases/live')).json as Release;
  await page.goto('/#/deploys');
  const row = page.locator(`tr[data-release="${withV1.id}"]`);
  await row.getByRole('button', { name: `Roll back to #${withV1.id}`, exact: true }).click();
  const confirm = row.getByRole('group', { name: `Confirm rollback to #${withV1.id}` });
  await expect(confirm).toContainText(`${name} v2 → v1`);
  try {
    await confirm.getByRole('button', { name: `Confirm rollback to #${withV1.id}` }).click();
    await expect(page.getByRole('status').filter({ hasText: `Release ${withV1.id} is live again` })).toBeVisible();
    await expect(row.locator('td').first().locator('.badge')).toHaveText('live');
    await expect.poll(() => served(name)).toBe(10);
    await keepScreenshot(page, 'deploys');
  } finally {
    await restoreOthers(name, before, withV1);
  }

  // the release's own page, and what differs between it and the one that served v2
  await page.goto(`/#/deploys/${withV1.id}`);
  await expect(page.getByRole('table', { name: `Endpoints of release ${withV1.id}` })).toContainText(name);
  const compare = page.getByRole('region', { name: 'Compare releases' });
  const withV2 = releases.find((r) => r.endpoints.some((e) => e.name === name && e.version === 2))!;
  await compare.getByRole('combobox', { name: 'From', exact: true }).selectOption(String(withV2.id));
  await compare.getByRole('combobox', { name: 'to', exact: true }).selectOption(String(withV1.id));
  const change = compare.getByTestId('release-diff').locator('li').filter({ hasText: name });
  await expect(change).toContainText('v2 → v1');
  await expect(change.getByRole('figure', { name: `${name} v2 → v1` }).locator('pre .diff-add')).toContainText('* 2');
});

test('the console re-runs on each save, and auto-saves the draft when asked', async ({ page }) => {
  test.setTimeout(180_000);
  const name = unique('rerun');
  expect((await api('POST', '/api/endpoints', spec(name, 2))).status).toBe(201);
  await signIn(page);
  await page.goto(`/#/endpoints/${name}/test`);
  await page.getByLabel('Query parameter 1 value').fill('5');
  await page.getByLabel('Auto re-run on each change and save').check();
  await expect(page.getByTestId('answer-body')).toContainText('"n": 10');

  // an edit the preview cannot see until it is saved; saving re-runs it
  await pasteSpec(page, yaml(name, 5));
  await expect(page.getByRole('status').filter({ hasText: 'Unsaved changes: save to preview them.' })).toBeVisible();
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByTestId('answer')).toContainText('v2');
  await expect(page.getByTestId('answer-body')).toContainText('"n": 25');
  await expect(page.getByText('Unsaved changes')).toHaveCount(0);

  // with auto-save, coming back to the console saves the edit and runs it
  await page.getByLabel('Auto-save the draft and re-run').check();
  await pasteSpec(page, yaml(name, 7));
  await expect(page.getByTestId('answer')).toContainText('v3');
  await expect(page.getByTestId('answer-body')).toContainText('"n": 35');
  expect(((await api('GET', `/api/endpoints/${name}`)).json as { version: number }).version).toBe(3);

  // the console beside the code: an edit is saved and its answer shown without leaving the editor
  await page.getByRole('tab', { name: 'Code' }).click();
  await page.getByLabel('Test console beside the code').check();
  const beside = page.getByRole('region', { name: 'Test console' });
  await expect(beside.getByTestId('answer-body')).toContainText('"n": 35');
  await pasteInEditor(page, yaml(name, 9));
  await expect(beside.getByTestId('answer')).toContainText('v4');
  await expect(beside.getByTestId('answer-body')).toContainText('"n": 45');
  await keepScreenshot(page, 'console-beside');
  await expect(page.getByRole('tab', { name: 'Code' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('unsaved', { exact: true })).toHaveCount(0);
  await page.getByLabel('Test console beside the code').uncheck();
});
