import {
  buildObjectName,
  BuildRequestedMessage,
  CancelRequestedMessage,
  Kli8ntMessage,
  parseMessage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  openCloneToken,
  TerminalError,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { CustomObjectsApi, KubernetesObjectApi } from '@kubernetes/client-node';
import { applyObject, isNotFound, Logger } from '../runtime';
import { desiredBuild, desiredCloneSecret } from './desired';
import type { FaultInjector } from './reconciler';
import {
  BUILD_API_VERSION,
  BUILD_GROUP,
  BUILD_KIND,
  BUILD_PLURAL,
  BUILD_VERSION,
  BuildResource,
  isTerminalPhase,
} from './types';

/** Field manager of `spec.cancelled`, so re-applying a Build never un-cancels it. */
export const CANCEL_FIELD_MANAGER = 'kli8nt-cancel';

const BUILD_QUEUE_TYPES = ['BuildRequested', 'CancelRequested'];

/**
 * Parser of the build queues: a valid message of another type is as wrong
 * here as an invalid one, and is dead-lettered with that reason.
 */
export function parseBuildQueueMessage(
  raw: unknown,
): { ok: true; message: Kli8ntMessage } | { ok: false; error: string } {
  const parsed = parseMessage(raw);
  if (parsed.ok && !BUILD_QUEUE_TYPES.includes(parsed.message.type)) {
    return {
      ok: false,
      error: `type: ${parsed.message.type} does not belong on a build queue`,
    };
  }
  return parsed;
}

/**
 * Turns build queue messages into cluster state: a BuildRequested becomes a
 * Build (and its clone token a Secret), a CancelRequested marks the Build
 * cancelled. The handler resolves, and the message is acked, only once that
 * state is stored; the reconciler does the rest.
 */
export class BuildQueueAdapter {
  constructor(
    private readonly deps: {
      custom: CustomObjectsApi;
      objects: KubernetesObjectApi;
      namespace: string;
      /** Open the sealed clone tokens (the backend's `kli8nt.secretKey`). */
      sealingKeys: string[];
      logger: Logger;
      faults?: FaultInjector;
    },
  ) {}

  readonly handle = async (message: Kli8ntMessage): Promise<void> => {
    switch (message.type) {
      case 'BuildRequested':
        return this.onBuildRequested(message);
      case 'CancelRequested':
        return this.onCancelRequested(message);
      default:
        throw new Error(`Unexpected ${message.type} on a build queue`);
    }
  };

  private async onBuildRequested(message: BuildRequestedMessage) {
    const { namespace, logger } = this.deps;
    const existing = await this.getBuild(message.deploymentId);
    if (existing && isTerminalPhase(existing.status?.phase)) {
      // A redelivery after the build finished: nothing to store again, and
      // above all no clone token to leave behind.
      logger.info('build already finished; message dropped', {
        deploymentId: message.deploymentId,
        phase: existing.status?.phase,
      });
      return;
    }
    const { sealedCloneToken } = message.payload;
    if (sealedCloneToken) {
      // Before the Build, so the Build never exists without its token.
      await applyObject(
        this.deps.objects,
        desiredCloneSecret(
          message,
          namespace,
          this.openToken(sealedCloneToken, message),
        ),
      );
    }
    await applyObject(this.deps.objects, desiredBuild(message, namespace));
    logger.info('build accepted', {
      deploymentId: message.deploymentId,
      app: message.payload.app,
      revision: message.payload.revision,
    });
    await this.deps.faults?.('afterApply');
  }

  /**
   * The clone token, opened only for the deployment and repository it was
   * sealed for. A token that does not open can never open: terminal.
   */
  private openToken(sealed: string, message: BuildRequestedMessage): string {
    try {
      return openCloneToken(sealed, this.deps.sealingKeys, {
        deploymentId: message.deploymentId,
        owner: message.payload.repo.owner,
        name: message.payload.repo.name,
      });
    } catch (error) {
      throw new TerminalError(
        `payload.sealedCloneToken: does not open for this deployment and repository with KLI8NT_SEALING_KEYS (${
          (error as Error).message
        }); the build role needs the backend's kli8nt.secretKey`,
      );
    }
  }

  private async onCancelRequested(message: CancelRequestedMessage) {
    const { namespace, logger } = this.deps;
    const existing = await this.getBuild(message.deploymentId);
    if (existing && isTerminalPhase(existing.status?.phase)) {
      logger.info('cancel for a finished build; nothing to cancel', {
        deploymentId: message.deploymentId,
        phase: existing.status?.phase,
      });
      return;
    }
    // Also when the Build is unknown: the cancel may have overtaken its
    // request (a redelivery), and the placeholder makes sure the request,
    // when it comes, never starts. The reconciler deletes the Job (and so
    // its pod) and reports `cancelled`.
    await applyObject(
      this.deps.objects,
      {
        apiVersion: BUILD_API_VERSION,
        kind: BUILD_KIND,
        metadata: {
          name:
            existing?.metadata.name ?? buildObjectName(message.deploymentId),
          namespace,
        },
        spec: existing
          ? { cancelled: true }
          : {
              deploymentId: message.deploymentId.toLowerCase(),
              app: message.payload.app,
              cluster: message.payload.cluster,
              cancelled: true,
            },
      },
      CANCEL_FIELD_MANAGER,
    );
    logger.info(
      existing
        ? 'build cancel requested'
        : 'cancel before its build; placeholder stored',
      { deploymentId: message.deploymentId },
    );
  }

  private async getBuild(
    deploymentId: string,
  ): Promise<BuildResource | undefined> {
    try {
      return (await this.deps.custom.getNamespacedCustomObject({
        group: BUILD_GROUP,
        version: BUILD_VERSION,
        plural: BUILD_PLURAL,
        namespace: this.deps.namespace,
        name: buildObjectName(deploymentId),
      })) as BuildResource;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
