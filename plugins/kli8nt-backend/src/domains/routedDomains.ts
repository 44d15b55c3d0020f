import { AppRecord, LedgerTx } from '../database/types';

/**
 * The app as its requests to the cluster carry it: only the domains it
 * proved (see DomainService) get a route and a certificate; the pending ones
 * stay in its stored settings.
 */
export async function withRoutedDomains(
  tx: Pick<LedgerTx, 'claimedDomains'>,
  app: AppRecord,
): Promise<AppRecord> {
  if (app.settings.domains.length === 0) return app;
  const claimed = new Set(await tx.claimedDomains(app.entityRef));
  return {
    ...app,
    settings: {
      ...app.settings,
      domains: app.settings.domains.filter(d => claimed.has(d)),
    },
  };
}
