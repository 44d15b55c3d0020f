import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import {
  entityRefSchema,
  parseInput,
  updateGitSettingsRequestSchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { z } from 'zod/v4';
import { audited } from '../router';
import { GitSettingsService } from './GitSettingsService';

const entityQuerySchema = z.strictObject({ entityRef: entityRefSchema });

/**
 * `GET|PUT /apps/git-settings` and `GET /apps/previews`. The webhooks
 * themselves arrive at the events backend (`/api/events/http/github`).
 */
export async function createGitRouter(options: {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  git: GitSettingsService;
}): Promise<express.Router> {
  const { httpAuth, auditor, git } = options;
  const router = Router();
  router.use(express.json({ limit: '64kb' }));
  const user = (req: Request) => httpAuth.credentials(req, { allow: ['user'] });

  router.get('/apps/git-settings', async (req, res) => {
    const credentials = await user(req);
    const { entityRef } = parseInput(entityQuerySchema, req.query, 'query');
    res.json(await git.get(entityRef, credentials));
  });

  router.put('/apps/git-settings', async (req, res) => {
    const credentials = await user(req);
    const { entityRef } = parseInput(entityQuerySchema, req.query, 'query');
    const patch = parseInput(
      updateGitSettingsRequestSchema,
      req.body,
      'request',
    );
    const saved = await audited(
      auditor,
      req,
      'app-configure',
      { entityRef, changed: Object.keys(patch) },
      () => git.update({ entityRef, patch, credentials }),
    );
    res.json(saved);
  });

  router.get('/apps/previews', async (req, res) => {
    const credentials = await user(req);
    const { entityRef } = parseInput(entityQuerySchema, req.query, 'query');
    res.json({ items: await git.previews(entityRef, credentials) });
  });

  return router;
}
