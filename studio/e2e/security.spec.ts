// The Studio's own guarantees (SECURITY.md, "the Studio"): its page runs under a CSP that allows
// no inline or foreign script and the app breaks none of it, and markup in what users and callers
// send (spec text, bodies, errors) is shown as text: it never runs and never becomes an element.
import { expect, test, type Page } from '@playwright/test';
import { api, dataUrl, signIn, unique } from './studio';

const EVIL = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b id="injected">bold</b>`;

async function expectNothingRan(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  await expect(page.locator('img[src="x"], #injected')).toHaveCount(0);
}

test('markup in specs, bodies and errors is shown as text and never runs', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  page.on('dialog', (d) => {
    violations.push('dialog: ' + d.message());
    void d.dismiss();
  });
  const name = unique('markup');
  const spec = {
    name,
    description: EVIL,
    method: 'POST',
    path: `/api/${name}`,
    log: { bodies: true },
    steps: [{ id: 'echo', script: `if (ctx.input.body?.fail) throw new Error(${JSON.stringify(EVIL)}); return { html: ${JSON.stringify(EVIL)}, sent: ctx.input.body };` }],
    response: { body: '${steps.echo}' },
  };
  const saved = await api('POST', '/api/endpoints', spec);
  expect(saved.status, saved.text).toBe(201);
  expect((await api('POST', '/api/deploy', { endpoints: [name] })).status).toBe(201);
  const call = (body: unknown) => fetch(`${dataUrl}/api/${name}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  // the release goes live on the data plane a moment after the deploy answers
  await expect.poll(async () => (await call({ note: EVIL })).status).toBe(200);
  expect((await call({ fail: true })).status).toBeGreaterThanOrEqual(400);

  const page0 = await page.goto('/');
  const policy = page0!.headers()['content-security-policy'] ?? '';
  // the Vite dev server sends no CSP; the jar (StudioIT) must
  if (process.env.STUDIO_SERVER === 'jar') expect(policy).toContain("script-src 'self'");
  await signIn(page);
  await expect(page.locator(`tr[data-endpoint="${name}"]`)).toBeVisible();
  await expectNothingRan(page);

  await page.goto(`/#/endpoints/${name}/code`);
  await expect(page.getByText('window.__xss=1').first()).toBeVisible();
  await expectNothingRan(page);

  await page.goto(`/#/logs?endpoint=${name}`);
  await expect(page.getByText(`/api/${name}`).first()).toBeVisible();
  await expectNothingRan(page);

  let calls: { requestId: string; status: number }[] = [];
  await expect
    .poll(async () => {
      calls = (await api('GET', `/api/logs?endpoint=${name}`)).json ?? [];
      return calls.length;
    })
    .toBeGreaterThanOrEqual(2);
  for (const call of calls) {
    await page.goto(`/#/logs/${call.requestId}`);
    await expect(page.getByText(call.requestId).first()).toBeVisible();
    await expect(page.getByText('window.__xss=2').first()).toBeVisible();
    await expectNothingRan(page);
  }
  expect(violations).toEqual([]);
});
