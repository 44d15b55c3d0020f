import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  NetworkingV1Api,
} from '@kubernetes/client-node';
import { isNotFound } from '../../runtime';
import { DeployConfig } from '../config';
import { App } from '../types';
import {
  testConfig,
  testKubeConfig,
  testNames,
  useDeployWorld,
} from './cluster';

/*
 * What the deploy suites on a test world read the cluster with: the API
 * clients, an App by name, and "is it there" probes.
 */

/** The API clients of a deploy suite, and its namespace's App reader. */
export function deployClients(kubeConfig: KubeConfig, namespace: string) {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  return {
    apps: kubeConfig.makeApiClient(AppsV1Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
    networking: kubeConfig.makeApiClient(NetworkingV1Api),
    custom,
    readApp: async (name: string) =>
      (await custom.getNamespacedCustomObject({
        group: 'kli8nt.io',
        version: 'v1alpha1',
        namespace,
        plural: 'apps',
        name,
      })) as App,
  };
}

/**
 * A kwok deploy suite with the default test config: its names, config,
 * API clients and {@link useDeployWorld} (registers beforeAll/afterAll).
 */
export function useKwokDeploySuite(
  prefix: string,
  overrides: Partial<DeployConfig> = {},
) {
  const names = testNames(prefix);
  const config = testConfig(names, overrides);
  const kubeConfig = testKubeConfig();
  return {
    names,
    config,
    ns: names.namespace,
    ...deployClients(kubeConfig, names.namespace),
    world: useDeployWorld(names, config, kubeConfig),
  };
}

/** Whether `read` finds the object: false on NotFound, other errors throw. */
export async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** A `waitFor` probe: true once `read` answers NotFound (other errors: not yet). */
export function gone(read: () => Promise<unknown>) {
  return async () => {
    try {
      await read();
      return false;
    } catch (error) {
      return isNotFound(error);
    }
  };
}

/**
 * Strictly increasing request times (a minute apart from `start`) and the
 * portal's decision order, as the portal would stamp them.
 */
export function portalClock(start: number) {
  let minute = 0;
  let sequence = 0;
  return {
    nextTime: () => new Date(start + 60_000 * minute++).toISOString(),
    nextSequence: () => ++sequence,
  };
}
