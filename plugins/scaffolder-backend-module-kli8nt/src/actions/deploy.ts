import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  isTerminalStatus,
  type Deployment,
} from '@kli8nt/backstage-plugin-kli8nt-common';

/**
 * Options of {@link createKli8ntDeployAction}.
 *
 * @public
 */
export interface Kli8ntDeployActionOptions {
  /** Finds the kli8nt backend. */
  discovery: DiscoveryService;
  /** Turns the template user's token into one for the kli8nt backend. */
  auth: AuthService;
  /** Time between status checks while waiting. Default 5 s. */
  pollIntervalMs?: number;
  /** Default for the `timeoutMinutes` input. Default 20 minutes. */
  defaultTimeoutMinutes?: number;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Injected for tests. */
  now?: () => number;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error('The task was cancelled'));
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('The task was cancelled'));
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A deployment failure, in the words the user needs. */
export function describeFailure(deployment: Deployment): string {
  const detail = [deployment.failureReason, deployment.failureMessage]
    .filter(Boolean)
    .join(': ');
  return `Deployment ${deployment.id} ended ${deployment.status}${
    detail ? ` (${detail})` : ''
  }`;
}

/**
 * The scaffolder action `kli8nt:deploy`: starts a Kli8nt deployment of a
 * catalog entity on behalf of the user who runs the template, and
 * optionally waits until it is live.
 *
 * @public
 */
export function createKli8ntDeployAction(options: Kli8ntDeployActionOptions) {
  const { discovery, auth } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 5000;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;

  return createTemplateAction({
    id: 'kli8nt:deploy',
    description:
      'Deploys a catalog entity with Kli8nt: builds its GitHub repository and serves it on its own URL',
    examples: [
      {
        description: 'Deploy the registered component and wait until live',
        example: [
          'steps:',
          '  - id: deploy',
          '    action: kli8nt:deploy',
          '    input:',
          "      entityRef: ${{ steps['register'].output.entityRef }}",
          '      waitForLive: true',
        ].join('\n'),
      },
    ],
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .min(1)
            .describe('The entity to deploy, such as component:default/my-app'),
        ref: z =>
          z
            .string()
            .min(1)
            .optional()
            .describe(
              'Branch, tag or commit SHA to deploy; the default branch if absent',
            ),
        waitForLive: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until the deployment is live, and fail the step if it fails',
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .max(240)
            .optional()
            .describe('How long to wait with waitForLive (default 20)'),
      },
      output: {
        deploymentId: z => z.string().describe('The id of the deployment'),
        url: z =>
          z
            .string()
            .optional()
            .describe('Where the app is served, once it is live'),
        status: z => z.string().describe('The last status seen'),
      },
    },
    async handler(ctx) {
      const { entityRef, ref, waitForLive } = ctx.input;
      const timeoutMs =
        (ctx.input.timeoutMinutes ?? options.defaultTimeoutMinutes ?? 20) *
        60_000;
      const baseUrl = await discovery.getBaseUrl('kli8nt');

      const call = async (method: string, path: string, body?: unknown) => {
        // A fresh token per call: a long wait outlives a single token.
        const { token } = await auth.getPluginRequestToken({
          onBehalfOf: await ctx.getInitiatorCredentials(),
          targetPluginId: 'kli8nt',
        });
        const response = await fetch(`${baseUrl}${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${token}`,
            ...(body !== undefined && { 'Content-Type': 'application/json' }),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: ctx.signal,
        });
        if (!response.ok) {
          const error = await ResponseError.fromResponse(response);
          throw new Error(
            `Kli8nt ${method} ${path} failed with ${response.status}: ${error.cause.message}`,
            { cause: error },
          );
        }
        return (await response.json()) as Deployment;
      };

      // A checkpoint so that a resumed task does not deploy a second time.
      const created = await ctx.checkpoint({
        key: `kli8nt.deploy.${entityRef}.${ref ?? ''}`,
        fn: async () => {
          const d = await call('POST', '/deployments', {
            entityRef,
            ...(ref && { ref }),
          });
          return { id: d.id, status: d.status, url: d.url ?? null };
        },
      });
      ctx.logger.info(
        `Started Kli8nt deployment ${created.id} of ${entityRef}${
          ref ? ` at ${ref}` : ''
        }`,
      );
      ctx.output('deploymentId', created.id);

      if (!waitForLive) {
        ctx.output('status', created.status);
        if (created.url) ctx.output('url', created.url);
        return;
      }

      const deadline = now() + timeoutMs;
      let lastStatus = created.status;
      for (;;) {
        const deployment = await call(
          'GET',
          `/deployments/${encodeURIComponent(created.id)}`,
        );
        if (deployment.status !== lastStatus) {
          ctx.logger.info(`Deployment ${created.id} is ${deployment.status}`);
          lastStatus = deployment.status;
        }
        if (isTerminalStatus(deployment.status)) {
          ctx.output('status', deployment.status);
          if (deployment.status !== 'live') {
            throw new Error(describeFailure(deployment));
          }
          if (deployment.url) {
            ctx.output('url', deployment.url);
            ctx.logger.info(`Live at ${deployment.url}`);
          }
          return;
        }
        if (now() >= deadline) {
          throw new Error(
            `Deployment ${created.id} was still ${
              deployment.status
            } after ${Math.round(timeoutMs / 60_000)} minutes`,
          );
        }
        await sleep(pollIntervalMs, ctx.signal);
      }
    },
  });
}
