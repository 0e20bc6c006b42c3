import { defineConfig } from '@playwright/test';

// End-to-end tests of the Studio in Debian's Chromium against a running Slipway. StudioIT (a Maven
// integration test) starts `bin/slipway serve` and a fake model provider and runs these with:
//   STUDIO_URL    the control plane, e.g. http://127.0.0.1:8081
//   DATA_URL      the data plane
//   STUDIO_EMAIL, STUDIO_PASSWORD  an owner to sign in as
//   STUDIO_TOKEN  an owner API key, for setting things up through the API
//   STUDIO_SCREENSHOTS  a folder to keep screenshots of the main screens in (optional)
//   STUDIO_SERVER=jar   the Studio is the one the jar serves (with its CSP), not the Vite dev server
//   STUDIO_MODEL=fake   the server has a fake model provider that proposes projects-by-status
export default defineConfig({
  testDir: 'e2e',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: process.env.STUDIO_URL ?? 'http://127.0.0.1:8081',
    headless: true,
    viewport: { width: 1280, height: 860 },
    actionTimeout: 15_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
