// The visual builder: the request set in its form, steps added from the palette and edited in the
// forms generated from the schema, reordered by dragging with the mouse and with the keyboard,
// removed; the code editor then shows the same spec with its comment kept, and the saved spec has
// the steps in the order made. A spec that cannot be read is not edited; at 375 px the flow stacks.
import { expect, test, type Page } from '@playwright/test';
import { api, keepScreenshot, signIn, unique } from './studio';

const order = (page: Page) =>
  page
    .getByRole('list', { name: 'Steps' })
    .locator(':scope > li')
    .evaluateAll((items) => items.map((i) => i.getAttribute('data-step')));

const panel = (page: Page, title: string | RegExp) => page.getByRole('complementary', { name: title });

/** The code editor's lines, once Monaco has loaded (slow on a busy machine: it is many modules under Vite). */
async function codeLines(page: Page) {
  const lines = page.getByTestId('spec-editor').locator('.view-lines');
  await expect(lines).toBeVisible({ timeout: 60_000 });
  return lines;
}

async function replaceCode(page: Page, text: string) {
  await (await codeLines(page)).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
}

/** Drags the step's handle with the mouse to the top edge of another step's card. */
async function drag(page: Page, step: string, onto: string) {
  const handle = (await page.getByRole('button', { name: new RegExp(`^Reorder ${step}\\b`) }).boundingBox())!;
  const target = (await page.locator(`li[data-step="${onto}"]`).boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(handle.x + handle.width / 2, target.y + 4, { steps: 10 });
  // the drop line shows where the step will land
  await expect(page.locator(`li[data-step="${onto}"].drop-before`)).toBeVisible();
  await page.mouse.up();
}

test('build an endpoint in the flow, check its YAML, save it', async ({ page }) => {
  // a long walk through the Studio, and Monaco loads twice (slow on a busy machine under Vite)
  test.slow();
  const name = unique('built');
  await signIn(page);
  await page.goto('/#/endpoints/new?tab=builder');

  // the request, in its form
  const request = panel(page, 'Request');
  // the first 'name' is the endpoint's; the input's query has a field called name too
  await request.getByLabel('name', { exact: true }).first().fill(name);
  await request.getByLabel('path', { exact: true }).fill(`/api/${name}`);
  await expect(page.getByTestId('request-node')).toContainText(`GET /api/${name}`);
  await expect(page.getByTestId('request-node')).toContainText('auth: public');
  await expect(page.getByTestId('request-node')).toContainText('query: name');

  // a comment written in the code editor, which every builder edit must keep
  await page.getByRole('tab', { name: 'Code' }).click();
  await (await codeLines(page)).click();
  await page.keyboard.press('ControlOrMeta+Home');
  await page.keyboard.insertText('# made by the builder test: this comment must survive\n');
  await page.getByRole('tab', { name: 'Builder' }).click();

  // two steps from the palette, each a valid skeleton with its own id, edited in its form
  const palette = page.getByRole('group', { name: 'Add a step' });
  await palette.getByRole('button', { name: '+ SQL query' }).click();
  await expect.poll(() => order(page)).toEqual(['greet', 'query1']);
  await panel(page, /^Step query1/).getByLabel('sql', { exact: true }).fill('select id, name from app.projects limit 5');
  await panel(page, /^Step query1/).getByLabel('expect', { exact: true }).selectOption('many');
  await expect(page.locator('li[data-step="query1"]')).toContainText('select id, name from app.projects limit 5');
  await palette.getByRole('button', { name: '+ Script' }).click();
  await expect.poll(() => order(page)).toEqual(['greet', 'query1', 'script1']);
  await expect(page.locator('li[data-step="query1"]')).toHaveAttribute('data-category', 'source');
  await expect(page.locator('li[data-step="query1"]')).toContainText('Data source');
  await expect(page.locator('li[data-step="script1"]')).toHaveAttribute('data-category', 'transform');
  await panel(page, /^Step script1/).getByLabel('script', { exact: true }).fill('const rows = ctx.steps.query1.rows;\nreturn { count: rows.length };');

  // reorder: script1 dragged to the top with the mouse, then query1 up with its keyboard button
  await drag(page, 'script1', 'greet');
  await expect.poll(() => order(page)).toEqual(['script1', 'greet', 'query1']);
  await page.getByRole('button', { name: 'Move query1 up' }).focus();
  await page.keyboard.press('Enter');
  await expect.poll(() => order(page)).toEqual(['script1', 'query1', 'greet']);
  // and the handle moves its step with the arrow keys
  await page.getByRole('button', { name: /^Reorder script1/ }).focus();
  await page.keyboard.press('ArrowDown');
  await expect.poll(() => order(page)).toEqual(['query1', 'script1', 'greet']);
  await expect(page.getByRole('button', { name: /^Reorder script1/ })).toBeFocused();
  await expect(page.getByRole('status').filter({ hasText: 'script1 moved to place 2 of 3' })).toBeAttached();
  await page.getByRole('button', { name: 'Remove greet' }).click();
  await expect.poll(() => order(page)).toEqual(['query1', 'script1']);

  // the response, in its form
  await page.getByTestId('response-node').click();
  await panel(page, 'Response').getByLabel('body', { exact: true }).fill('${steps.script1}');
  await expect(page.getByTestId('response-node')).toContainText('body: ${steps.script1}');
  await page.locator('li[data-step="query1"] .node-main').click();
  await expect(panel(page, /^Step query1/).getByLabel('sql', { exact: true })).toHaveValue('select id, name from app.projects limit 5');
  await keepScreenshot(page, 'builder');

  // the code editor shows the same spec, the comment kept
  await page.getByRole('tab', { name: 'Code' }).click();
  const code = await codeLines(page);
  await expect(code).toContainText('# made by the builder test: this comment must survive');
  await expect(code).toContainText('sql: select id, name from app.projects limit 5');
  await expect(code).toContainText('body: ${steps.script1}');

  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page).toHaveURL(new RegExp(`#/endpoints/${name}/code$`));
  const saved = (await api('GET', `/api/endpoints/${name}`)).json;
  expect(saved.version).toBe(1);
  expect(saved.spec.path).toBe(`/api/${name}`);
  expect(saved.spec.steps).toEqual([
    { id: 'query1', sql: 'select id, name from app.projects limit 5', expect: 'many' },
    { id: 'script1', script: 'const rows = ctx.steps.query1.rows;\nreturn { count: rows.length };' },
  ]);
  expect(saved.spec.response).toEqual({ body: '${steps.script1}' });

  // the saved endpoint opens in the builder as it was left, and runs
  await page.getByRole('tab', { name: 'Builder' }).click();
  await expect.poll(() => order(page)).toEqual(['query1', 'script1']);
  const preview = await api('GET', `/api/endpoints/${name}/preview/api/${name}`);
  expect(preview.json).toEqual({ count: 5 });
});

test('a spec that cannot be read is shown as such, and the builder edits nothing', async ({ page }) => {
  test.slow();
  await signIn(page);
  await page.goto('/#/endpoints/new?tab=code');
  await replaceCode(page, 'name: broken\nsteps: [unclosed\n');
  await page.getByRole('tab', { name: 'Builder' }).click();
  await expect(page.getByTestId('builder-unreadable')).toContainText('cannot be read');
  await expect(page.getByRole('link', { name: 'Code tab' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Add a step' })).toHaveCount(0);
  await page.getByRole('tab', { name: 'Code' }).click();
  await expect(await codeLines(page)).toContainText('steps: [unclosed');
});

test.describe('at 375 px', () => {
  test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });

  test('the flow stacks, the panel goes under it, nothing runs off the side', async ({ page }) => {
    await signIn(page);
    await page.goto('/#/endpoints/new?tab=builder');
    await page.getByRole('group', { name: 'Add a step' }).getByRole('button', { name: '+ Branch' }).click();
    await expect.poll(() => order(page)).toEqual(['greet', 'branch1', 'branch1']);
    await expect(page.locator('li[data-category="branch"]')).toHaveCount(2);
    const flow = (await page.getByRole('region', { name: 'Flow' }).boundingBox())!;
    const side = (await panel(page, /^Step branch1/).boundingBox())!;
    expect(side.y).toBeGreaterThanOrEqual(flow.y + flow.height - 1);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    for (const button of ['Move branch1 up', 'Remove greet']) {
      const box = (await page.getByRole('button', { name: button }).first().boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(376);
    }
    await page.evaluate(() => scrollTo(0, 0));
    await keepScreenshot(page, 'mobile-builder');
  });
});
