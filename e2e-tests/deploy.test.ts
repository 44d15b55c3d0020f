/*
 * The system test: the portal, the local platform's controllers, RabbitMQ,
 * Kafka, PostgreSQL, BuildKit on the real node, the registry and the
 * ingress, driven from Chromium as an engineer would. Every request made
 * here carries a marker of this run, so history left by earlier runs on the
 * same platform cannot satisfy an assertion.
 */
import { expect, Page, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  BUILD,
  expectLatestStatus,
  expectStep,
  MINUTE,
  openDeployTab,
  shot,
} from './deployTab';
import { expectServed, fetchApp, kubectl, publish } from './platform';
import { signInAsGuest } from './signIn';

const run = randomBytes(3).toString('hex');
/** The commit each example went live with in this run. */
const liveSha: Record<string, string> = {};

// One platform, one story: later steps use what earlier ones deployed.
test.describe.configure({ mode: 'serial', retries: 0, timeout: 40 * MINUTE });

/** Deploy `ref` (a branch, tag or SHA) of the entity from its Deploy tab. */
async function deploy(page: Page, entity: string, ref?: string) {
  await openDeployTab(page, entity);
  if (ref) await page.getByLabel('Or tag / commit SHA').fill(ref);
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(page.getByText(/Deployment in progress/)).toBeVisible();
}

for (const example of [
  { entity: 'storefront', stack: 'node' },
  { entity: 'orders-api', stack: 'python' },
]) {
  test(`${example.entity} (${example.stack}): Deploy builds in the cluster, goes live on HTTPS, streams build and runtime logs`, async ({
    page,
  }) => {
    const { entity } = example;
    await signInAsGuest(page);
    // A fresh commit, so the build is not a no-op re-roll of an earlier run.
    const sha = await publish({
      example: entity,
      slug: `kli8nt-examples/${entity}`,
      files: { RUN_ID: `${run}\n` },
    });
    await deploy(page, entity);
    await expectStep(page, 'building', 'active');
    await shot(page, `${entity}-1-building`);

    // Build lines stream into the Logs tab while the build runs.
    await page.getByRole('link', { name: 'View logs' }).first().click();
    await expect(page.getByTestId('kli8nt-log-viewer')).toContainText(
      /load build definition|DONE|RUN|FROM/,
      { timeout: BUILD },
    );
    await shot(page, `${entity}-2-build-logs`);

    await openDeployTab(page, entity);
    await expectLatestStatus(page, 'live');
    const url = `https://${entity}.apps.kli8nt.test`;
    await expect(page.getByRole('link', { name: url })).toBeVisible();
    await expect(page.getByText(sha.slice(0, 7)).first()).toBeVisible();
    await shot(page, `${entity}-3-live`);

    // The app answers through the ingress, TLS verified against the apps CA
    // (with the greeting an earlier run's settings may have left).
    await expectServed(
      entity,
      new RegExp(`^\\S+ from ${entity} \\(${example.stack}\\)`),
    );

    // Runtime lines the app prints per request reach the Logs tab live...
    const marker = `/e2e-${run}`;
    await page.goto(`/catalog/default/component/${entity}/logs`);
    await expect(page.getByTestId('kli8nt-log-viewer')).toBeVisible();
    expect((await fetchApp(entity, marker)).status).toBe(200);
    await expect(page.getByTestId('kli8nt-log-viewer')).toContainText(
      `served GET ${marker}`,
      { timeout: 15_000 },
    );
    // ...and are still there after a reload (history from Kafka), at the
    // tail where the viewer stands after replaying every build of the app...
    await page.reload();
    await expect(page.getByTestId('kli8nt-log-viewer')).toContainText(
      `served GET ${marker}`,
      { timeout: 30_000 },
    );
    // ...and among the app's own lines alone (Source: Runtime).
    await page.getByRole('button', { name: /Source/ }).click();
    await page.getByRole('option', { name: 'Runtime', exact: true }).click();
    await expect(page.getByTestId('kli8nt-log-viewer')).toContainText(
      `served GET ${marker}`,
      { timeout: 30_000 },
    );
    await shot(page, `${entity}-4-runtime-logs`);
    liveSha[entity] = sha;
  });
}

test('storefront: a settings change redeploys without a build; a rollback serves the earlier commit again', async ({
  page,
}) => {
  await signInAsGuest(page);
  const greeting = `bonjour-${run}`;
  await openDeployTab(page, 'storefront');
  // The settings of earlier runs on the same platform go first.
  await expect(
    page.getByRole('button', { name: 'Add variable' }),
  ).toBeVisible();
  const remove = page.getByRole('button', { name: /^Remove variable / });
  while ((await remove.count()) > 0) await remove.first().click();
  await page.getByRole('button', { name: 'Add variable' }).click();
  await page.getByLabel('Name of variable 1').fill('GREETING');
  await page.getByLabel('Value of variable 1').fill(greeting);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await expectStep(page, 'building', 'skipped', MINUTE);
  await expectLatestStatus(page, 'live', 3 * MINUTE);
  await expectServed('storefront', new RegExp(`${greeting} from storefront`));
  await shot(page, 'storefront-5-config-redeploy');

  // A second commit goes live, then History rolls back to the first.
  const first = liveSha.storefront.slice(0, 7);
  expect(first).toBeTruthy();
  await publish({
    example: 'storefront',
    slug: 'kli8nt-examples/storefront',
    files: { RUN_ID: `${run}\n` },
    edit: dir => {
      const file = `${dir}/server.js`;
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          'from storefront',
          'from storefront v2',
        ),
      );
    },
  });
  await deploy(page, 'storefront');
  await expectLatestStatus(page, 'live');
  await expectServed(
    'storefront',
    new RegExp(`${greeting} from storefront v2`),
  );
  await page
    .getByRole('button', { name: `Roll back ${first}` })
    .first()
    .click();
  await expectStep(page, 'building', 'skipped', MINUTE);
  await expectLatestStatus(page, 'live', 3 * MINUTE);
  await expectServed(
    'storefront',
    new RegExp(`${greeting} from storefront \\(node\\)`),
  );
  await shot(page, 'storefront-6-rolled-back');
});

test('a repository whose build fails ends failed, naming the step and its last log lines', async ({
  page,
}) => {
  await signInAsGuest(page);
  const app = `broken-${run}`;
  await publish({
    register: app,
    files: {
      Dockerfile: `FROM debian:bookworm-slim\nRUN echo "about to fail ${run}" && exit 3\n`,
    },
  });
  await deploy(page, app);
  await expectLatestStatus(page, 'failed');
  await expect(page.getByText(/build/i).first()).toBeVisible();
  await expect(page.getByText(`about to fail ${run}`).first()).toBeVisible();
  await shot(page, 'broken-7-failed');
});

test('cancelling a running build removes its pod and ends cancelled', async ({
  page,
}) => {
  await signInAsGuest(page);
  const app = `slow-${run}`;
  const sha = await publish({
    register: app,
    files: { Dockerfile: 'FROM debian:bookworm-slim\nRUN sleep 900\n' },
  });
  await deploy(page, app);
  await expectStep(page, 'building', 'active');
  const buildPods = () =>
    kubectl(
      'get',
      'pods',
      '-n',
      'kli8nt-builds',
      '-l',
      `kli8nt.io/app=${app}`,
      '-o',
      'name',
    );
  await expect.poll(buildPods, { timeout: 3 * MINUTE }).toContain('pod/');
  await page.getByRole('button', { name: `Cancel ${sha.slice(0, 7)}` }).click();
  await expectLatestStatus(page, 'cancelled', 2 * MINUTE);
  await expect.poll(buildPods, { timeout: 2 * MINUTE }).toBe('');
  await shot(page, 'slow-8-cancelled');
});

test('deleting an app removes its objects and its URL stops answering', async ({
  page,
}) => {
  await signInAsGuest(page);
  await openDeployTab(page, 'orders-api');
  await page.getByRole('button', { name: 'Delete app' }).click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect
    .poll(
      () =>
        kubectl(
          'get',
          'deployments,services,ingresses',
          '-n',
          'kli8nt-apps',
          '-l',
          'kli8nt.io/app=orders-api',
          '-o',
          'name',
        ),
      { timeout: 2 * MINUTE },
    )
    .toBe('');
  await expect
    .poll(
      async () =>
        (
          await fetchApp('orders-api').catch(() => ({ status: 0 }))
        ).status,
      {
        timeout: MINUTE,
      },
    )
    .not.toBe(200);
  await shot(page, 'orders-api-9-deleted');
});
