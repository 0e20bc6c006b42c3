// The visual builder: steps added from the palette, edited in forms generated from the schema,
// reordered by dragging and with the keyboard, removed; the code editor then shows the same spec,
// its comments kept, and the saved spec has the steps in the order made.
import { expect, test, type Page } from '@playwright/test';
import { api, keepScreenshot, signIn, unique } from './studio';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

async function pasteSpec(page: Page, text: string) {
  await page.getByTestId('spec-editor').locator('.view-lines').click();
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
}

const order = (page: Page) => page.getByRole('list', { name: 'Steps' }).locator('li.step').evaluateAll((items) => items.map((i) => i.getAttribute('data-step')));

test('build an endpoint in the flow, check its YAML, save it', async ({ page }) => {
  const name = unique('built');
  await signIn(page);
  await page.goto('/#/endpoints/new?tab=code');
  await pasteSpec(page, `# made in the builder test: this comment must survive\nname: ${name}\nmethod: GET\npath: /api/${name}\nresponse:\n  body: {}\n`);
  await page.getByRole('tab', { name: 'Builder' }).click();

  // the request, edited in its form
  await page.getByLabel('description').fill('Projects and a count');
  const addStep = page.getByRole('group', { name: 'Add a step' });
  await addStep.getByRole('button', { name: '+ SQL query' }).click();
  await page.getByLabel('sql').fill('select id, name from app.projects limit 5');
  await addStep.getByRole('button', { name: '+ Script' }).click();
  await addStep.getByRole('button', { name: '+ Validation' }).click();
  expect(await order(page)).toEqual(['query1', 'script1', 'validation1']);

  // drag the script above the query with the mouse
  const handle = page.getByRole('img', { name: 'Drag script1' });
  const target = page.locator('li.step[data-step="query1"]');
  const from = (await handle.boundingBox())!;
  const to = (await target.boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + 20, to.y + 5, { steps: 8 });
  await page.mouse.up();
  expect(await order(page)).toEqual(['script1', 'query1', 'validation1']);

  // and the validation up one with the keyboard
  await page.getByRole('button', { name: 'Move validation1 up' }).focus();
  await page.keyboard.press('Enter');
  expect(await order(page)).toEqual(['script1', 'validation1', 'query1']);
  await page.getByRole('button', { name: 'Remove validation1' }).click();
  expect(await order(page)).toEqual(['script1', 'query1']);

  await page.getByRole('button', { name: /^Response/ }).click();
  await page.getByLabel('body').fill('${steps.query1.rows}');
  await keepScreenshot(page, 'builder');

  // the code editor shows the same spec, the comment kept
  await page.getByRole('tab', { name: 'Code' }).click();
  const code = page.getByTestId('spec-editor');
  await expect(code).toContainText('this comment must survive');
  await expect(code).toContainText('select id, name from app.projects limit 5');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page).toHaveURL(new RegExp(`#/endpoints/${name}`));
  const saved = (await api('GET', `/api/endpoints/${name}`)).json.spec;
  expect(saved.steps.map((s: { id: string }) => s.id)).toEqual(['script1', 'query1']);
  expect(saved.description).toBe('Projects and a count');
  expect(saved.response.body).toBe('${steps.query1.rows}');
});
