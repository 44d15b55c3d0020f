import {
  AuditorService,
  BackstageCredentials,
  BackstageUserPrincipal,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import {
  createDeploymentRequestSchema,
  listDeploymentsQuerySchema,
  parseInput,
  redeployRequestSchema,
  updateAppSettingsRequestSchema,
  entityRefSchema,
  uuidSchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v4';
import type { HealthReport } from './health';
import { DeploymentService } from './service/DeploymentService';
import { toApiDeployment, toApiEvent, toApiSettings } from './service/toApi';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  service: DeploymentService;
  /** The consumers' and relay's state (see health.ts); ok if absent. */
  health?: () => HealthReport;
}

export const entityQuerySchema = z.strictObject({ entityRef: entityRefSchema });

/** Runs a mutation as an audit event that records its outcome. */
export async function audited<T>(
  auditor: AuditorService,
  request: Request,
  eventId: string,
  meta: JsonObject,
  fn: () => Promise<T>,
): Promise<T> {
  const event = await auditor.createEvent({
    eventId,
    request,
    severityLevel: 'medium',
    meta,
  });
  try {
    const result = await fn();
    await event.success();
    return result;
  } catch (error) {
    await event.fail({ error: error as Error });
    throw error;
  }
}

function trigger(credentials: BackstageCredentials<BackstageUserPrincipal>) {
  // The scaffolder action calls on behalf of the user who ran the template;
  // users press the Deploy button.
  return credentials.principal.actor
    ? ('scaffolder' as const)
    : ('manual' as const);
}

export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, auditor, service } = options;
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  // Users only, also on behalf of one (the scaffolder): the permission
  // framework would allow a service principal everything.
  const user = (req: Request) => httpAuth.credentials(req, { allow: ['user'] });

  router.get('/health', (_req, res) => {
    const report = options.health?.() ?? { status: 'ok' };
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });

  router.post('/deployments', async (req, res) => {
    const credentials = await user(req);
    const body = parseInput(createDeploymentRequestSchema, req.body, 'request');
    const deployment = await audited(
      auditor,
      req,
      'deployment-create',
      { entityRef: body.entityRef, ref: body.ref ?? null },
      () =>
        service.commands.deploy({
          entityRef: body.entityRef,
          ref: body.ref,
          credentials,
          trigger: trigger(credentials),
        }),
    );
    res.status(202).json(toApiDeployment(deployment));
  });

  router.get('/deployments', async (req, res) => {
    const credentials = await user(req);
    const query = parseInput(listDeploymentsQuerySchema, req.query, 'query');
    const page = await service.queries.listDeployments({
      ...query,
      credentials,
    });
    res.json({
      items: page.items.map(d => toApiDeployment(d)),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    });
  });

  router.get('/deployments/:id', async (req, res) => {
    const credentials = await user(req);
    const id = parseInput(uuidSchema, req.params.id, 'deployment id');
    const { deployment, events, ...details } =
      await service.queries.getDeploymentDetails(id, credentials);
    res.json({
      ...toApiDeployment(deployment, details),
      events: events.map(toApiEvent),
    });
  });

  router.get('/deployments/:id/events', async (req, res) => {
    const credentials = await user(req);
    const id = parseInput(uuidSchema, req.params.id, 'deployment id');
    const { events } = await service.queries.getDeployment(id, credentials);
    res.json({ items: events.map(toApiEvent) });
  });

  router.post('/deployments/:id/redeploy', async (req, res) => {
    const credentials = await user(req);
    const id = parseInput(uuidSchema, req.params.id, 'deployment id');
    const body = parseInput(redeployRequestSchema, req.body ?? {}, 'request');
    const deployment = await audited(
      auditor,
      req,
      'deployment-redeploy',
      { sourceDeploymentId: id, reason: body.reason },
      () =>
        service.commands.redeploy({
          deploymentId: id,
          reason: body.reason,
          credentials,
        }),
    );
    res.status(202).json(toApiDeployment(deployment));
  });

  router.post('/deployments/:id/rollback', async (req, res) => {
    const credentials = await user(req);
    const id = parseInput(uuidSchema, req.params.id, 'deployment id');
    const deployment = await audited(
      auditor,
      req,
      'deployment-redeploy',
      { sourceDeploymentId: id, reason: 'rollback' },
      () =>
        service.commands.redeploy({
          deploymentId: id,
          reason: 'rollback',
          credentials,
        }),
    );
    res.status(202).json(toApiDeployment(deployment));
  });

  router.post('/deployments/:id/cancel', async (req, res) => {
    const credentials = await user(req);
    const id = parseInput(uuidSchema, req.params.id, 'deployment id');
    const deployment = await audited(
      auditor,
      req,
      'deployment-cancel',
      { deploymentId: id },
      () => service.commands.cancel({ deploymentId: id, credentials }),
    );
    res.status(202).json(toApiDeployment(deployment));
  });

  router.get('/apps/settings', async (req, res) => {
    const credentials = await user(req);
    const { entityRef } = parseInput(entityQuerySchema, req.query, 'query');
    const { app, stored } = await service.settings.getSettings(
      entityRef,
      credentials,
    );
    res.json({
      ...toApiSettings(app, stored),
      domainStates: await service.domains.states(app),
    });
  });

  router.put('/apps/settings', async (req, res) => {
    const credentials = await user(req);
    const { entityRef } = parseInput(entityQuerySchema, req.query, 'query');
    const patch = parseInput(
      updateAppSettingsRequestSchema,
      req.body,
      'request',
    );
    const { app, deployment } = await audited(
      auditor,
      req,
      'app-configure',
      {
        entityRef,
        // Names only: secret values never reach a log.
        changed: Object.keys(patch),
        secretEnvNames: Object.keys(patch.secretEnv ?? {}),
      },
      () => service.settings.updateSettings({ entityRef, patch, credentials }),
    );
    // A live app is rolled out again with the new settings.
    res.json({
      ...toApiSettings(app, true),
      domainStates: await service.domains.states(app),
      ...(deployment ? { deployment: toApiDeployment(deployment) } : {}),
    });
  });

  router.delete('/apps', async (req, res) => {
    const credentials = await user(req);
    const { entityRef } = parseInput(entityQuerySchema, req.query, 'query');
    await audited(auditor, req, 'app-delete', { entityRef }, () =>
      service.commands.deleteApp(entityRef, credentials),
    );
    res.status(204).end();
  });

  router.get('/branches', async (req, res) => {
    const credentials = await user(req);
    const { entityRef } = parseInput(entityQuerySchema, req.query, 'query');
    const items = await service.queries.listBranches(entityRef, credentials);
    res.json({ items });
  });

  return router;
}
