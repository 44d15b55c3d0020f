/*
 * The scaffolder's kli8nt:deploy step on the local platform: a task of the
 * "Deploy an existing service" template (examples/kli8nt-deploy-template)
 * run for the guest, as the Create page runs it, waits for the Go example
 * to go live and hands back its URL, which then answers over HTTPS.
 */
import { expect, test } from '@playwright/test';
import { fetchApp } from './platform';

// scripts/ports.sh: the portal's backend port.
const BACKEND = `http://localhost:${process.env.KLI8NT_BACKEND_PORT ?? '7007'}`;
const MINUTE = 60_000;

test.describe.configure({ retries: 0, timeout: 20 * MINUTE });

test('the kli8nt:deploy step of a template deploys the Go example and outputs its live URL', async ({
  request,
}) => {
  const session = await request.get(`${BACKEND}/api/auth/guest/refresh`);
  expect(session.ok()).toBe(true);
  const token = (await session.json()).backstageIdentity.token as string;
  const auth = { authorization: `Bearer ${token}` };

  const created = await request.post(`${BACKEND}/api/scaffolder/v2/tasks`, {
    headers: auth,
    data: {
      templateRef: 'template:default/kli8nt-deploy-existing',
      values: { entityRef: 'component:default/inventory', ref: 'main' },
    },
  });
  expect(created.status()).toBe(201);
  const { id } = await created.json();

  let status = 'open';
  await expect
    .poll(
      async () => {
        const task = await request.get(
          `${BACKEND}/api/scaffolder/v2/tasks/${id}`,
          { headers: auth },
        );
        status = (await task.json()).status;
        return status;
      },
      { timeout: 15 * MINUTE, intervals: [5_000] },
    )
    .toMatch(/completed|failed|cancelled/);
  // The template's output is in the task's completion event.
  const events: { type: string; body: Record<string, any> }[] = await (
    await request.get(`${BACKEND}/api/scaffolder/v2/tasks/${id}/events`, {
      headers: auth,
    })
  ).json();
  const completion = events.find(e => e.type === 'completion');
  expect(status, JSON.stringify(events.map(e => e.body.message))).toBe(
    'completed',
  );
  // The app's annotation names it `stock` (kli8nt.io/app).
  expect(completion?.body.output?.links?.[0]?.url).toBe(
    'https://stock.apps.kli8nt.test',
  );
  await expect
    .poll(
      async () =>
        (
          await fetchApp('stock').catch(e => ({ body: String(e) }))
        ).body,
      {
        timeout: 2 * MINUTE,
      },
    )
    .toMatch(/hello from inventory \(go\)/);
});
