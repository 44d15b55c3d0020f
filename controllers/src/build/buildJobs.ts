import {
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  V1Job,
} from '@kubernetes/client-node';
import {
  applyObject,
  isConflict,
  isNotFound,
  Logger,
  writeStatusAt,
} from '../runtime';
import type { EventRecorder } from '../runtime';
import { cloneSecretOwnership } from './desired';
import { cleanLogText } from './observe';
import { compactStatus, sameStatus, transitionEvent } from './status';
import {
  BUILD_GROUP,
  BUILD_PLURAL,
  BUILD_VERSION,
  BuildResource,
  BuildStatus,
} from './types';

// The build reconciler's Kubernetes reads and writes, so that
// `reconciler.ts` keeps only the decisions.

export interface BuildClients {
  custom: CustomObjectsApi;
  batch: BatchV1Api;
  core: CoreV1Api;
  objects: KubernetesObjectApi;
}

/** Field manager of the clone Secret's owner reference (see `cloneSecretOwnership`). */
export const OWNER_FIELD_MANAGER = 'kli8nt-build-owner';

/** How many log lines of a failed step are fetched when the kubelet kept none. */
const FAILED_LOG_LINES = 30;

export class BuildJobs {
  constructor(
    private readonly api: BuildClients,
    /** Records each phase change as an Event on the Build. */
    private readonly events?: EventRecorder,
  ) {}

  async getBuild(
    namespace: string,
    name: string,
  ): Promise<BuildResource | undefined> {
    return ignoreNotFound(
      () =>
        this.api.custom.getNamespacedCustomObject({
          group: BUILD_GROUP,
          version: BUILD_VERSION,
          plural: BUILD_PLURAL,
          namespace,
          name,
        }) as Promise<BuildResource>,
    );
  }

  getSecret(namespace: string, name: string) {
    return ignoreNotFound(() =>
      this.api.core.readNamespacedSecret({ name, namespace }),
    );
  }

  async deleteSecret(namespace: string, name: string) {
    await ignoreNotFound(() =>
      this.api.core.deleteNamespacedSecret({ name, namespace }),
    );
  }

  getJob(namespace: string, name: string) {
    return ignoreNotFound(() =>
      this.api.batch.readNamespacedJob({ name, namespace }),
    );
  }

  /** Creates the Job; one that exists already (same name) is the same Job. */
  async createJob(job: V1Job): Promise<V1Job> {
    const namespace = job.metadata!.namespace!;
    try {
      return await this.api.batch.createNamespacedJob({ namespace, body: job });
    } catch (error) {
      if (!isConflict(error)) throw error;
      return this.api.batch.readNamespacedJob({
        name: job.metadata!.name!,
        namespace,
      });
    }
  }

  async deleteJob(job: V1Job, logger: Logger) {
    await ignoreNotFound(() =>
      this.api.batch.deleteNamespacedJob({
        name: job.metadata!.name!,
        namespace: job.metadata!.namespace!,
        propagationPolicy: 'Background',
      }),
    );
    logger.info('build job deleted', { job: job.metadata?.name });
  }

  async ownCloneSecret(build: BuildResource, job: V1Job) {
    await ignoreNotFound(async () => {
      // Apply creates what is missing, so check the Secret is there first.
      await this.api.core.readNamespacedSecret({
        name: build.spec.cloneSecretName!,
        namespace: build.metadata.namespace,
      });
      await applyObject(
        this.api.objects,
        cloneSecretOwnership(build, job),
        OWNER_FIELD_MANAGER,
      );
    });
  }

  async listPods(job: V1Job) {
    const list = await this.api.core.listNamespacedPod({
      namespace: job.metadata!.namespace!,
      labelSelector: `batch.kubernetes.io/controller-uid=${job.metadata!.uid}`,
    });
    return list.items;
  }

  async tailLogs(
    pod: string,
    namespace: string,
    container: string,
    logger: Logger,
  ): Promise<string> {
    try {
      const text = await this.api.core.readNamespacedPodLog({
        name: pod,
        namespace,
        container,
        tailLines: FAILED_LOG_LINES,
        limitBytes: 16_384,
      });
      return cleanLogText(String(text ?? ''));
    } catch (error) {
      // The report goes out without log lines rather than not at all.
      logger.warn('could not read the failed step logs', {
        pod,
        container,
        error,
      });
      return '';
    }
  }

  /**
   * Writes the status at the version this pass read (a 409 if another
   * writer moved the Build since), keeps `build` current, and records a
   * phase change as an Event on the Build.
   */
  async writeStatus(build: BuildResource, status: BuildStatus) {
    if (sameStatus(build.status, status)) return;
    const event = transitionEvent(build.status, status);
    const { namespace, name } = build.metadata;
    const ref = {
      group: BUILD_GROUP,
      version: BUILD_VERSION,
      plural: BUILD_PLURAL,
      namespace,
      name,
    };
    await writeStatusAt(this.api.custom, ref, build, compactStatus(status));
    if (event) await this.events?.record(build, event);
  }
}

export async function ignoreNotFound<T>(
  call: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
