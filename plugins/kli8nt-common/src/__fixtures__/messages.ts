// Valid example messages for tests; each test derives invalid ones from these.

export const DEPLOYMENT_ID = '3b241101-e2bb-4255-8caf-4136c566a963';
export const MESSAGE_ID = '3b241101-e2bb-4255-8caf-4136c566a962';
export const SHA = '0123456789abcdef0123456789abcdef01234567';
export const DIGEST = `sha256:${'ab'.repeat(32)}`;
export const IMAGE = `registry.example.com:5000/kli8nt/shop@${DIGEST}`;
export const SEALED = 'v1.k1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB.Q0lQSEVS';

export const config = {
  port: 3000,
  replicas: 2,
  healthCheckPath: '/healthz',
  domains: ['shop.example.com'],
  env: { NODE_ENV: 'production', EMPTY: '' },
  secretEnv: { DATABASE_URL: SEALED },
  resources: { cpu: '500m', memory: '512Mi' },
};

function envelope(type: string, payload: unknown) {
  return {
    type,
    version: 2,
    messageId: MESSAGE_ID,
    deploymentId: DEPLOYMENT_ID,
    occurredAt: '2024-05-01T12:00:00.000Z',
    payload,
  };
}

export const buildRequested = () =>
  envelope('BuildRequested', {
    app: 'shop',
    entityRef: 'component:default/shop',
    cluster: 'local',
    repo: {
      owner: 'acme',
      name: 'shop',
      cloneUrl: 'https://github.com/acme/shop.git',
    },
    revision: SHA,
    ref: 'main',
    sourcePath: 'apps/shop',
    dockerfilePath: 'docker/Dockerfile',
    buildArgs: { NODE_VERSION: '22' },
    sealedCloneToken:
      'v1.0a1b2c3d.QUJDREVGR0hJSktM.VGhpcyBpcyBhIHRhZzE2.Y2lwaGVydGV4dA',
    config,
  });

export const deployRequested = () =>
  envelope('DeployRequested', {
    app: 'shop',
    entityRef: 'component:default/shop',
    cluster: 'local',
    image: IMAGE,
    imageDigest: DIGEST,
    revision: SHA,
    reason: 'rollback',
    config,
    sequence: 7,
  });

export const deleteRequested = () =>
  envelope('DeleteRequested', { app: 'shop', cluster: 'local', sequence: 8 });

export const cancelRequested = () =>
  envelope('CancelRequested', { app: 'shop', cluster: 'local' });

export const statusReport = () =>
  envelope('StatusReport', {
    app: 'shop',
    cluster: 'local',
    status: 'live',
    reason: 'RolloutComplete',
    message: 'Deployment is available',
    url: 'https://shop.apps.example.com',
    image: IMAGE,
    imageDigest: DIGEST,
    source: 'deploy',
  });

export const builtReport = () =>
  envelope('StatusReport', {
    app: 'shop',
    cluster: 'local',
    status: 'built',
    image: IMAGE,
    imageDigest: DIGEST,
    plan: { stack: 'node', port: 3000 },
    source: 'build',
  });

export const allMessages = {
  BuildRequested: buildRequested,
  DeployRequested: deployRequested,
  DeleteRequested: deleteRequested,
  CancelRequested: cancelRequested,
  StatusReport: statusReport,
};

/** Sets `value` at a dotted path inside a deep copy of `obj` (undefined deletes). */
export function withField(obj: unknown, path: string, value: unknown): any {
  const copy = JSON.parse(JSON.stringify(obj));
  const keys = path.split('.');
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key];
  const last = keys[keys.length - 1];
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}
