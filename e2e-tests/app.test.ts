import { test, expect, Page } from '@playwright/test';

const screenshots = 'e2e-test-report/screenshots';

async function signInAsGuest(page: Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
  await expect(
    page
      .getByRole('navigation', { name: 'sidebar nav' })
      .getByRole('link', { name: 'Catalog', exact: true }),
  ).toBeVisible();
}

test('the catalog lists the example services', async ({ page }) => {
  await signInAsGuest(page);
  // The catalog is the portal's home page (app-config.yaml).
  await expect(page.getByRole('link', { name: 'storefront' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'orders-api' })).toBeVisible();
  await page.screenshot({ path: `${screenshots}/catalog.png`, fullPage: true });
});

test('an entity without a GitHub source has no Deploy tab', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/legacy-reports');
  await expect(
    page.getByText('A service without a GitHub annotation'),
  ).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Deploy' })).toHaveCount(0);
});

test('deploying a service shows its progress, and its logs tab', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/storefront/deploy');
  const deploy = page.getByRole('button', { name: 'Deploy', exact: true });
  await expect(deploy).toBeEnabled();
  await page.screenshot({
    path: `${screenshots}/deploy-tab.png`,
    fullPage: true,
  });

  await deploy.click();
  // The default branch resolved through (fake) GitHub to its commit.
  await expect(
    page.getByText('Deployment in progress · main @ 6dcb09b'),
  ).toBeVisible();
  await expect(page.getByTestId('kli8nt-step-queued')).toHaveAttribute(
    'data-state',
    'active',
  );
  await page.screenshot({
    path: `${screenshots}/deploy-queued.png`,
    fullPage: true,
  });

  await page.getByRole('link', { name: 'View logs' }).first().click();
  await expect(page).toHaveURL(/\/logs/);
  await page.screenshot({
    path: `${screenshots}/logs-tab.png`,
    fullPage: true,
  });
});
