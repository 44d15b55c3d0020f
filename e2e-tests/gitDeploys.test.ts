/*
 * The system test of git-driven deploys (#20) on the static example
 * docs-site (the cheapest to build): its owner turns on deploy on push and
 * previews in the Deploy tab, the local GitHub takes new commits and sends
 * the portal the signed `push` and `pull_request` webhooks GitHub would,
 * and the browser shows what they did while the ingress serves it over
 * HTTPS. Commits, the pusher and the pull request carry a marker of this
 * run, so what earlier runs left cannot satisfy an assertion.
 */
import { expect, Page, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  BUILD,
  expectLatestStatus,
  MINUTE,
  openDeployTab,
  shot,
} from './deployTab';
import {
  expectServed,
  fetchApp,
  platformEnv,
  publish,
  webhook,
} from './platform';
import { signInAsGuest } from './signIn';

const run = randomBytes(3).toString('hex');
const entity = 'docs-site';
const slug = `kli8nt-examples/${entity}`;
/** The GitHub login that pushes and opens the pull request. */
const author = `e2e-${run}`;

// The preview needs the app the push created: one story, in order.
test.describe.configure({ mode: 'serial', retries: 0, timeout: 30 * MINUTE });

/** An edit of the example that makes its page say `text`. */
const serving = (text: string) => (dir: string) => {
  const file = path.join(dir, 'index.html');
  const html = readFileSync(file, 'utf8');
  const edited = html.replace('hello from docs-site (static)', text);
  if (edited === html) throw new Error(`${file} changed: update this test`);
  writeFileSync(file, edited);
};

/** Saves the card "Deploy on push and previews" as an owner would. */
async function saveGitSettings(
  page: Page,
  settings: { branch: string; previews: boolean },
) {
  await page.getByLabel('Deploy on push to branch').fill(settings.branch);
  const previews = page.getByRole('checkbox', {
    name: /A preview app for each pull request/,
  });
  if ((await previews.isChecked()) !== settings.previews) {
    await page
      .getByText('A preview app for each pull request against that branch')
      .click();
  }
  await expect(previews).toBeChecked({ checked: settings.previews });
  await page.getByRole('button', { name: 'Save git settings' }).click();
  await expect(page.getByText('Saved.', { exact: true })).toBeVisible();
}

test('docs-site: a push to the tracked branch deploys its head, shown in History as the push, and serves it on HTTPS', async ({
  page,
}) => {
  await signInAsGuest(page);
  await openDeployTab(page, entity);
  await saveGitSettings(page, { branch: 'main', previews: false });

  const text = `pushed in run ${run}`;
  const sha = await publish({ example: entity, slug, edit: serving(text) });
  const delivery = await webhook('push', slug, {
    branch: 'main',
    after: sha,
    pusher: author,
  });
  expect(delivery.status).toBe(202);

  // The portal acts on a webhook after answering it: the engineer who
  // pushed opens the tab until the deployment is there.
  const row = page.getByRole('row').filter({ hasText: sha.slice(0, 7) });
  const who = row.getByRole('link', {
    name: `${author} (push)`,
    exact: true,
  });
  await expect(async () => {
    await openDeployTab(page, entity);
    await expect(who).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 2 * MINUTE });
  // "Who" links to the push's compare view, ending at the pushed commit.
  await expect(who).toHaveAttribute(
    'href',
    new RegExp(`/${slug}/compare/[0-9a-f]+\\.\\.\\.${sha.slice(0, 12)}$`),
  );
  await expect(row).toContainText('main');
  await shot(page, 'docs-site-1-push-deploying');

  await expect(row).toContainText(/live/i, { timeout: BUILD });
  await expectLatestStatus(page, 'live', MINUTE);
  await expectServed(entity, new RegExp(text));
  await shot(page, 'docs-site-2-push-live');
});

test('docs-site: a pull request gets a preview at its own HTTPS URL, listed in the Deploy tab until it is closed', async ({
  page,
}) => {
  await signInAsGuest(page);
  await openDeployTab(page, entity);
  await saveGitSettings(page, { branch: 'main', previews: true });

  // A number of this run's own: a preview an earlier run left is another.
  const number = 1000 + (parseInt(run, 16) % 9000);
  const branch = `e2e-${run}`;
  const text = `preview of pull request ${number} in run ${run}`;
  const sha = await publish({
    example: entity,
    slug,
    branch,
    edit: serving(text),
  });
  const pullRequest = (action: 'opened' | 'closed') =>
    webhook('pull_request', slug, {
      number: String(number),
      action,
      head: branch,
      base: 'main',
      user: author,
    });
  expect((await pullRequest('opened')).status).toBe(202);

  // The card re-reads its previews: the tab stays open, as a user's would.
  const app = `pr-${number}--${entity}`;
  const url = `https://${app}.${platformEnv().ingress.appsDomain}`;
  await expect(
    page.getByRole('link', { name: `#${number}`, exact: true }),
  ).toBeVisible({
    timeout: 2 * MINUTE,
  });
  await shot(page, 'docs-site-3-preview-listed');
  await expect(
    page.getByText(`${branch} @ ${sha.slice(0, 7)} · live`),
  ).toBeVisible({ timeout: BUILD });
  await expect(page.getByRole('link', { name: url })).toHaveAttribute(
    'href',
    url,
  );
  await expectServed(app, new RegExp(text));
  await shot(page, 'docs-site-4-preview-live');

  expect((await pullRequest('closed')).status).toBe(202);
  await expect(
    page.getByRole('link', { name: `#${number}`, exact: true }),
  ).toHaveCount(0, {
    timeout: 2 * MINUTE,
  });
  await expect
    .poll(
      async () => (await fetchApp(app).catch(() => ({ status: 0 }))).status,
      { timeout: 2 * MINUTE },
    )
    .not.toBe(200);
  await shot(page, 'docs-site-5-preview-closed');
});
