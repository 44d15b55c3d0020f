import { randomUUID } from 'node:crypto';
import {
  AppConfig,
  DeleteRequestedMessage,
  DeployRequestedMessage,
  Process,
  createMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import type { DeployConfig } from '../config';

export const DEPLOYMENT_ID = '0b7f1c3e-2a4d-4e6f-8a9b-1c2d3e4f5a6b';
export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const OTHER_DIGEST = `sha256:${'b'.repeat(64)}`;
export const REVISION = 'c'.repeat(40);

export const baseConfig: Pick<
  DeployConfig,
  | 'cluster'
  | 'namespace'
  | 'appsDomain'
  | 'tls'
  | 'exposure'
  | 'defaultRequests'
  | 'defaultLimits'
> = {
  cluster: 'prod',
  namespace: 'kli8nt-apps',
  appsDomain: 'apps.example.com',
  tls: { mode: 'cert-manager', clusterIssuer: 'letsencrypt' },
  exposure: { mode: 'ingress', ingressClassName: 'nginx' },
  defaultRequests: { cpu: '100m', memory: '128Mi' },
  defaultLimits: { cpu: '1', memory: '512Mi' },
};

/** The rollout the portal sends when a build it still wants finished. */
export function buildRollout(
  options: {
    app?: string;
    deploymentId?: string;
    digest?: string;
    occurredAt?: string;
    cluster?: string;
    sequence?: number;
    config?: Partial<AppConfig>;
    processes?: Process[];
  } = {},
): DeployRequestedMessage {
  const app = options.app ?? 'shop';
  const digest = options.digest ?? DIGEST;
  return createMessage('DeployRequested', {
    deploymentId: options.deploymentId ?? DEPLOYMENT_ID,
    occurredAt: options.occurredAt ?? '2026-11-30T10:00:00.000Z',
    payload: {
      app,
      entityRef: `component:default/${app}`,
      cluster: options.cluster ?? 'prod',
      image: `registry.example.com/apps/${app}@${digest}`,
      imageDigest: digest,
      revision: REVISION,
      reason: 'build',
      config: { port: 3000, ...options.config },
      sequence: options.sequence ?? 1,
      ...(options.processes ? { processes: options.processes } : {}),
    },
  });
}

export function deployRequested(options: {
  app?: string;
  deploymentId: string;
  digest?: string;
  occurredAt?: string;
  cluster?: string;
  reason?: 'redeploy' | 'rollback' | 'config';
  sequence?: number;
  config?: Partial<AppConfig>;
}): DeployRequestedMessage {
  const app = options.app ?? 'shop';
  const digest = options.digest ?? DIGEST;
  return createMessage('DeployRequested', {
    deploymentId: options.deploymentId,
    occurredAt: options.occurredAt ?? '2026-11-30T11:00:00.000Z',
    payload: {
      app,
      entityRef: `component:default/${app}`,
      cluster: options.cluster ?? 'prod',
      image: `registry.example.com/apps/${app}@${digest}`,
      imageDigest: digest,
      reason: options.reason ?? 'rollback',
      config: { port: 3000, ...options.config },
      sequence: options.sequence ?? 2,
    },
  });
}

/** The portal's delete of an app at `sequence` (a random deployment id). */
export function deleteRequested(options: {
  app?: string;
  cluster: string;
  sequence: number;
  occurredAt?: string;
}): DeleteRequestedMessage {
  return createMessage('DeleteRequested', {
    deploymentId: randomUUID(),
    occurredAt: options.occurredAt ?? '2026-11-30T11:00:00.000Z',
    payload: {
      app: options.app ?? 'shop',
      cluster: options.cluster,
      sequence: options.sequence,
    },
  });
}
