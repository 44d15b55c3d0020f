import { test, expect } from '@playwright/test';
import { signInAsGuest } from './signIn';

const screenshots = 'e2e-test-report/screenshots';

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
