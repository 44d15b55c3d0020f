/*
 * Steps on an entity's Deploy tab that the system test's files share, and
 * their time limits.
 */
import { expect, Page } from '@playwright/test';

export const MINUTE = 60_000;
// A cold BuildKit build of an example on 2 shared cores takes a few minutes.
export const BUILD = 12 * MINUTE;

const screenshots = 'e2e-test-report/screenshots';

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true });
}

export async function openDeployTab(page: Page, entity: string) {
  await page.goto(`/catalog/default/component/${entity}/deploy`);
  await expect(
    page.getByRole('button', { name: 'Deploy', exact: true }),
  ).toBeEnabled();
}

/** The step of the latest deployment reaches `state`. */
export async function expectStep(
  page: Page,
  step: string,
  state: string,
  timeout = BUILD,
) {
  await expect(page.getByTestId(`kli8nt-step-${step}`)).toHaveAttribute(
    'data-state',
    state,
    { timeout },
  );
}

export async function expectLatestStatus(
  page: Page,
  status: string,
  timeout = BUILD,
) {
  await expect(page.getByTestId('kli8nt-status').first()).toHaveText(
    new RegExp(status, 'i'),
    { timeout },
  );
}
