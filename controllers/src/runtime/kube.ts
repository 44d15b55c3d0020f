import { KubeConfig } from '@kubernetes/client-node';

/**
 * The controller's cluster credentials: the in-cluster service account when
 * running in a pod, else KUBECONFIG or ~/.kube/config (development, tests).
 */
export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) {
    kubeConfig.loadFromCluster();
  } else {
    kubeConfig.loadFromDefault();
  }
  return kubeConfig;
}
