// What the end-to-end tests share: signing in through the form, calling the API as the owner's
// key to set things up, and keeping screenshots of the main screens.
import { expect, type Page } from '@playwright/test';

export const studioUrl = process.env.STUDIO_URL ?? 'http://127.0.0.1:8081';
export const dataUrl = process.env.DATA_URL ?? 'http://127.0.0.1:8080';
export const email = process.env.STUDIO_EMAIL ?? 'ada@example.com';
export const password = process.env.STUDIO_PASSWORD ?? 'a long passphrase';
const token = process.env.STUDIO_TOKEN ?? '';

export async function signIn(page: Page) {
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('who')).toContainText(email);
}

/** Calls the platform API as the owner's key (for set-up and for checking what the UI did). */
export async function api(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const response = await fetch(studioUrl + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, json, text };
}

/** A name no earlier test or run used. */
export function unique(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

/** Keeps a screenshot of a main screen when STUDIO_SCREENSHOTS names a folder. */
export async function keepScreenshot(page: Page, name: string) {
  const dir = process.env.STUDIO_SCREENSHOTS;
  if (dir) await page.screenshot({ path: `${dir}/${name}.png`, fullPage: false });
}
