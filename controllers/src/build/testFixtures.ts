import { createMessage } from '@kli8nt/backstage-plugin-kli8nt-common';
import { sealCloneToken } from '@kli8nt/backstage-plugin-kli8nt-node';
import type { JobConfig } from './jobParts';

/** Shared inputs of the build role's unit tests. */
export const DEPLOYMENT_ID = '0b5f6a8e-3c1d-4e2f-9a7b-6c5d4e3f2a1b';
export const REVISION = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';

/** The build role's KLI8NT_SEALING_KEYS in tests (the backend's kli8nt.secretKey). */
export const TEST_SEALING_KEY = `${'q'.repeat(43)}=`;

/** A BuildRequested; `cloneToken` is sealed into it as the backend does. */
export function buildRequested(
  overrides: {
    cloneToken?: string;
    dockerfilePath?: string;
    deploymentId?: string;
  } = {},
) {
  const { cloneToken, deploymentId = DEPLOYMENT_ID, ...rest } = overrides;
  return createMessage('BuildRequested', {
    deploymentId,
    messageId: '11111111-2222-4333-8444-555555555555',
    occurredAt: '2025-01-02T03:04:05.000Z',
    payload: {
      app: 'shop',
      entityRef: 'component:default/shop',
      cluster: 'prod',
      repo: {
        owner: 'acme',
        name: 'shop',
        cloneUrl: 'https://github.com/acme/shop.git',
      },
      revision: REVISION,
      ref: 'main',
      buildArgs: { NODE_ENV: 'production', API_URL: 'https://api.example.com' },
      config: { port: 3000, env: { LOG_LEVEL: 'info' } },
      ...(cloneToken
        ? {
            sealedCloneToken: sealCloneToken(cloneToken, TEST_SEALING_KEY, {
              deploymentId,
              owner: 'acme',
              name: 'shop',
            }),
          }
        : {}),
      ...rest,
    },
  });
}

export const jobConfig: JobConfig = {
  builder: 'kaniko',
  registry: 'registry.example.com/apps',
  cacheRepo: 'registry.example.com/apps/kli8nt-cache',
  pushSecretName: 'kli8nt-registry',
  insecureRegistry: false,
  dockerHubMirror: undefined,
  images: {
    builder: `mirror.example.com/kaniko@sha256:${'a'.repeat(64)}`,
    clone: `mirror.example.com/git@sha256:${'b'.repeat(64)}`,
    detect: 'mirror.example.com/kli8nt/controllers:1.2.3',
    push: `mirror.example.com/crane@sha256:${'c'.repeat(64)}`,
  },
  deadlineSeconds: 1800,
  ttlSecondsAfterFinished: 3600,
  resources: {
    requests: { cpu: '500m', memory: '1Gi' },
    limits: { cpu: '2', memory: '4Gi' },
  },
  workspaceSize: '10Gi',
  nodeSelector: {},
  tolerations: [],
  caConfigMap: undefined,
  proxy: {},
};

/** The same settings with the BuildKit builder. */
export const buildkitJobConfig: JobConfig = {
  ...jobConfig,
  builder: 'buildkit',
  images: {
    ...jobConfig.images,
    builder: `mirror.example.com/buildkit@sha256:${'d'.repeat(64)}`,
  },
};
