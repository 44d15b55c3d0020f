import { AuditorService, HttpAuthService } from '@backstage/backend-plugin-api';
import { parseInput } from '@kli8nt/backstage-plugin-kli8nt-common';
import express from 'express';
import Router from 'express-promise-router';
import { audited, entityQuerySchema } from '../router';
import { toApiDeployment } from '../service/toApi';
import { DomainService } from './DomainService';

/**
 * `POST /apps/domains/verify?entityRef=…`: looks up the TXT record of each
 * pending custom domain now; answers every domain's state, and the `config`
 * deployment that routes the newly verified ones if the app runs.
 */
export async function createDomainsRouter(options: {
  httpAuth: HttpAuthService;
  auditor: AuditorService;
  domains: DomainService;
}): Promise<express.Router> {
  const router = Router();
  router.post('/apps/domains/verify', async (req, res) => {
    // Users only, as every mutating route (see router.ts).
    const credentials = await options.httpAuth.credentials(req, {
      allow: ['user'],
    });
    const { entityRef } = parseInput(entityQuerySchema, req.query, 'query');
    const { items, deployment } = await audited(
      options.auditor,
      req,
      'app-domains-verify',
      { entityRef },
      () => options.domains.verify({ entityRef, credentials }),
    );
    res.json({
      items,
      ...(deployment ? { deployment: toApiDeployment(deployment) } : {}),
    });
  });
  return router;
}
