import { defineConfig } from '@playwright/test';
import { generateProjects } from '@backstage/e2e-test-utils/playwright';

/**
 * Browser tests against the portal on embedded defaults. scripts/e2e.sh starts
 * the portal and runs them in Debian's Chromium (Playwright cannot download
 * browsers here); outside that script, Playwright starts the portal itself.
 * Its app listens on $KLI8NT_FRONTEND_PORT (default 3000), its backend on
 * $KLI8NT_BACKEND_PORT (default 7007): scripts/ports.sh.
 */
const frontend = `http://localhost:${
  process.env.KLI8NT_FRONTEND_PORT ?? '3000'
}`;

export default defineConfig({
  timeout: 90_000,
  expect: { timeout: 30_000 },

  webServer: process.env.PLAYWRIGHT_URL
    ? []
    : [
        {
          command: '. scripts/ports.sh && yarn start',
          url: frontend,
          reuseExistingServer: true,
          timeout: 180_000,
        },
      ],

  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,

  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'e2e-test-report/html' }],
  ],

  use: {
    actionTimeout: 30_000,
    baseURL: process.env.PLAYWRIGHT_URL ?? frontend,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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

  outputDir: 'e2e-test-report/results',

  // generateProjects() pins the 'chrome' channel; we launch Debian's Chromium.
  projects: (generateProjects() ?? []).map(({ use, ...project }) => ({
    ...project,
    use: { ...use, channel: undefined },
  })),
});
