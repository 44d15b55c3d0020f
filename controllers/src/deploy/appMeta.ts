// What every object rendered for an App carries: names, labels, owner.
import type { V1OwnerReference } from '@kubernetes/client-node';
import {
  LABELS,
  kli8ntLabels,
  processKey,
  workerDeploymentName,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { APP_API_VERSION, APP_KIND, App, AppProcess } from './types';

/** Labels of every object rendered for the App's current deployment. */
export function appLabels(app: App): Record<string, string> {
  return kli8ntLabels({
    app: app.metadata.name,
    role: 'runtime',
    deploymentId: app.spec.deploymentId,
  });
}

/**
 * The web Deployment's (immutable) selector, as it was before processes:
 * every runtime pod of the app. Its ReplicaSets own their pods, so it never
 * adopts a worker's; the Service selects by process as well.
 */
export function appSelector(app: App): Record<string, string> {
  return {
    [LABELS.app]: app.metadata.name,
    [LABELS.role]: 'runtime',
  };
}

/** Labels of the pods running `process`. */
export function processPodLabels(
  app: App,
  process: AppProcess,
): Record<string, string> {
  return { ...appLabels(app), [LABELS.process]: processKey(process.name) };
}

/** The Deployment of a process: the app's name for web, `<app>-<process>` for a worker. */
export function processDeploymentName(app: App, process: AppProcess): string {
  return process.type === 'web'
    ? app.metadata.name
    : workerDeploymentName(app.metadata.name, process.name);
}

/** Makes the App the controlling owner, so deleting it deletes the object. */
export function ownerReference(app: App): V1OwnerReference {
  if (!app.metadata.uid) {
    throw new Error(`App ${app.metadata.name} has no uid yet`);
  }
  return {
    apiVersion: APP_API_VERSION,
    kind: APP_KIND,
    name: app.metadata.name,
    uid: app.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Name, namespace, labels and owner of every object rendered for the App. */
export function objectMeta(app: App, name = app.metadata.name) {
  return {
    name,
    namespace: app.metadata.namespace,
    labels: appLabels(app),
    ownerReferences: [ownerReference(app)],
  };
}
