import {
  Kli8ntPayloadInput,
  Process,
  buildQueueName,
  createMessage,
  deployQueueName,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { randomUUID } from 'node:crypto';
import { AppRecord, DeploymentRecord, OutboxMessage } from '../database/types';
import { appConfigOf } from '../service/settings';
import { outboxOf } from './txn';

/*
 * What the ledger writes once it has decided: the requests it sends the
 * build and deploy controllers (as outbox entries), and the deployment a
 * settings save makes. No decisions here; DeploymentLedger takes them.
 */

export type BuildPayload = Omit<Kli8ntPayloadInput<'BuildRequested'>, 'config'>;
export type RolloutReason = 'build' | 'redeploy' | 'rollback' | 'config';

/** BUILD of `deployment`, with the app's settings as its config. */
export function buildRequest(
  app: AppRecord,
  deployment: DeploymentRecord,
  build: BuildPayload,
): OutboxMessage {
  const message = createMessage('BuildRequested', {
    deploymentId: deployment.id,
    occurredAt: deployment.createdAt,
    payload: { ...build, config: appConfigOf(app.settings) },
  });
  return outboxOf(buildQueueName(app.cluster), message);
}

/** DEPLOY of `deployment`'s image with the app's current settings. */
export function rolloutRequest(options: {
  app: AppRecord;
  deployment: DeploymentRecord;
  reason: RolloutReason;
  rolloutSequence: number;
  processes: Process[] | undefined;
  now: Date;
}): OutboxMessage {
  const { app, deployment, processes } = options;
  const message = createMessage('DeployRequested', {
    deploymentId: deployment.id,
    occurredAt: options.now,
    payload: {
      app: app.appName,
      entityRef: app.entityRef,
      cluster: app.cluster,
      image: deployment.image!,
      imageDigest: deployment.imageDigest!,
      revision: deployment.commitSha,
      reason: options.reason,
      config: appConfigOf(app.settings),
      sequence: options.rolloutSequence,
      ...(processes ? { processes } : {}),
    },
  });
  return outboxOf(deployQueueName(app.cluster), message);
}

/** DELETE of the app, under the tombstone's `sequence`. */
export function deleteRequest(
  app: Pick<AppRecord, 'appName' | 'cluster'>,
  sequence: number,
  notBefore?: Date,
): OutboxMessage {
  const message = createMessage('DeleteRequested', {
    deploymentId: randomUUID(),
    payload: { app: app.appName, cluster: app.cluster, sequence },
  });
  return { ...outboxOf(deployQueueName(app.cluster), message), notBefore };
}

/** The `config` deployment a settings save makes: `source`'s image again. */
export function configDeployment(options: {
  app: AppRecord;
  source: DeploymentRecord;
  requestedBy: string;
  sequence: number;
  now: Date;
}): DeploymentRecord {
  const { app, source } = options;
  const now = options.now.toISOString();
  return {
    id: randomUUID(),
    entityRef: app.entityRef,
    appName: app.appName,
    cluster: app.cluster,
    trigger: 'config',
    ref: source.ref,
    commitSha: source.commitSha,
    repo: source.repo,
    sourcePath: source.sourcePath,
    sourceDeploymentId: source.id,
    requestedBy: options.requestedBy,
    image: source.image,
    imageDigest: source.imageDigest,
    status: 'queued',
    sequence: options.sequence,
    createdAt: now,
    updatedAt: now,
  };
}
