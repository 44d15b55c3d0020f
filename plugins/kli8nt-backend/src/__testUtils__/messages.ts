import {
  BuildRequestedMessage,
  createMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { randomUUID } from 'node:crypto';
import { AppRecord, DeploymentRecord, OutboxMessage } from '../database/types';

export const testApp: AppRecord = {
  entityRef: 'component:default/shop',
  appName: 'shop',
  cluster: 'default',
  settings: { port: 8080, replicas: 1, domains: [], env: {}, secretEnv: {} },
  settingsVersion: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/** The BuildRequested payload of `testApp` (without config). */
export function testBuildPayload(cluster = 'default') {
  return {
    app: 'shop',
    entityRef: testApp.entityRef,
    cluster,
    repo: {
      owner: 'acme',
      name: 'shop',
      cloneUrl: 'https://github.com/acme/shop.git',
    },
    revision: 'a'.repeat(40),
    ref: 'main',
    buildArgs: {},
  };
}

/** A queued, manual deployment of `testApp`, not stored yet. */
export function testDeployment(cluster = 'default'): DeploymentRecord {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    entityRef: testApp.entityRef,
    appName: 'shop',
    cluster,
    trigger: 'manual',
    ref: 'main',
    commitSha: 'a'.repeat(40),
    requestedBy: 'user:default/alice',
    status: 'queued',
    createdAt: now,
    updatedAt: now,
  };
}

/** A queued deployment with its BuildRequested outbox row, as POST writes it. */
export function acceptedDeploy(cluster = 'default'): {
  deployment: DeploymentRecord;
  outbox: OutboxMessage;
  message: BuildRequestedMessage;
} {
  const id = randomUUID();
  const now = new Date().toISOString();
  const message = createMessage('BuildRequested', {
    deploymentId: id,
    payload: {
      ...testBuildPayload(cluster),
      config: { port: 8080, replicas: 1, domains: [], env: {}, secretEnv: {} },
    },
  });
  return {
    message,
    deployment: {
      ...testDeployment(cluster),
      id,
      createdAt: now,
      updatedAt: now,
    },
    outbox: {
      queue: `build.${cluster}`,
      messageId: message.messageId,
      deploymentId: id,
      message,
    },
  };
}
