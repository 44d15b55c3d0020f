import { createHmac } from 'node:crypto';

/** The label under which an app's TXT token is looked up. */
export const CHALLENGE_LABEL = '_kli8nt-challenge';

/** The DNS record that proves an app may route `domain`. */
export interface ChallengeRecord {
  name: string;
  type: 'TXT';
  value: string;
}

/**
 * The record the app's owners create: stable for the app and domain (it can
 * be added before saving and survives restarts), unguessable without the
 * backend's secret, and different for every app, so one app's record never
 * proves another's claim.
 */
export function challengeRecord(
  secret: string,
  app: { entityRef: string; appName: string },
  domain: string,
): ChallengeRecord {
  const token = createHmac('sha256', secret)
    .update(['kli8nt-domain-v1', app.entityRef, app.appName, domain].join('\n'))
    .digest('base64url');
  return {
    name: `${CHALLENGE_LABEL}.${domain}`,
    type: 'TXT',
    value: `kli8nt-verification=${token}`,
  };
}
