// The test console, deploying and rolling back: a draft is called with its steps' timings and
// logs, its tests run, it is deployed, a second version compared with it, and a rollback brings
// the first back on the data plane.
import { expect, test } from '@playwright/test';
import { api, dataUrl, keepScreenshot, signIn, unique } from './studio';

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

test('preview with timings and logs, tests, deploy, compare, roll back', async ({ page }) => {
  const name = unique('console');
  expect((await api('POST', '/api/endpoints', spec(name, 2))).status).toBe(201);
  await signIn(page);
  await page.goto(`/#/endpoints/${name}/test`);
  await page.getByLabel('Query').fill('n=21');
  await page.getByRole('button', { name: 'Send to v1' }).click();
  const answer = page.getByTestId('answer');
  await expect(answer).toContainText('200');
  await expect(page.getByTestId('answer-body')).toContainText('42');
  await expect(page.getByRole('list', { name: 'Step timings' })).toContainText('calc');
  await expect(page.getByTestId('answer-logs')).toContainText('n is 21');
  await keepScreenshot(page, 'test-console');

  // the draft's tests: one that passes, one that expects what it does not answer
  await page.getByLabel('Test cases (JSON)').fill(
    JSON.stringify([
      { name: 'doubles', method: 'GET', path: `/api/${name}?n=2`, status: 200 },
      { name: 'wrongly expects 201', method: 'GET', path: `/api/${name}`, status: 201 },
    ]),
  );
  await page.getByRole('button', { name: 'Run tests' }).click();
  const results = page.getByTestId('test-results');
  await expect(results).toContainText('1 passed');
  await expect(results).toContainText('1 failed');
  await expect(results.locator('li.failed')).toContainText('wrongly expects 201');

  // deploy from the page header, then call the data plane
  await page.getByRole('button', { name: 'Deploy v1' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Deployed version 1' })).toBeVisible();
  await expect.poll(async () => (await (await fetch(`${dataUrl}/api/${name}?n=5`)).json()).n).toBe(10);

  // a second version, deployed through the API; the versions tab shows the change
  expect((await api('PUT', `/api/endpoints/${name}`, spec(name, 3))).status).toBe(201);
  expect((await api('POST', '/api/deploy', { endpoints: [name] })).status).toBe(201);
  await expect.poll(async () => (await (await fetch(`${dataUrl}/api/${name}?n=5`)).json()).n).toBe(15);
  await page.goto(`/#/endpoints/${name}/versions`);
  const diff = page.getByRole('figure', { name: 'v1 → v2' });
  await expect(diff.locator('pre .diff-del')).toContainText('* 2');
  await expect(diff.locator('pre .diff-add')).toContainText('* 3');

  // roll back to the release that served v1
  const releases = (await api('GET', '/api/releases')).json as { id: number; endpoints: { name: string; version: number }[] }[];
  const withV1 = releases.find((r) => r.endpoints.some((e) => e.name === name && e.version === 1))!;
  await page.goto('/#/deploys');
  await page.getByRole('button', { name: `Roll back to #${withV1.id}`, exact: true }).click();
  await page.getByRole('button', { name: `Confirm rollback to #${withV1.id}` }).click();
  await expect(page.getByRole('status').filter({ hasText: `Release ${withV1.id} is live again` })).toBeVisible();
  await expect(page.locator(`tr[data-release="${withV1.id}"]`)).toContainText('live');
  await expect.poll(async () => (await (await fetch(`${dataUrl}/api/${name}?n=5`)).json()).n).toBe(10);
  await keepScreenshot(page, 'deploys');
});
