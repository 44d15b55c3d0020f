import { KubeConfig, RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * A KubeConfig whose requests share one keep-alive connection pool per
 * cluster and user. client-node 2 gives every request an undici Agent of
 * its own, so every request paid a TCP and TLS handshake (#18 (g)).
 *
 * Headers (bearer token, basic auth) are still applied per request by
 * client-node, so a rotated token file is read as before. The pool keeps
 * the TLS material (CA, client certificate) it was made with; a change of
 * the cluster or user entry starts a new pool. The Agent has no connection
 * limit: a watch holds its HTTP/1.1 connection or HTTP/2 stream and the
 * Agent opens another connection for the next request instead of queueing.
 */
export class PooledKubeConfig extends KubeConfig {
  #pool?: { key: string; dispatcher: Dispatcher };

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    // No dispatcher: no TLS options, the global (pooled) dispatcher is used.
    // A fresh Agent has not connected yet, so dropping it costs nothing.
    const fresh = context.getDispatcher();
    if (!fresh) return;
    const key = JSON.stringify([
      this.getCurrentCluster(),
      this.getCurrentUser(),
    ]);
    if (this.#pool?.key !== key) {
      // The old pool finishes what it carries, then closes its sockets.
      this.#pool?.dispatcher.close().catch(() => undefined);
      this.#pool = { key, dispatcher: fresh };
    }
    context.setDispatcher(this.#pool.dispatcher);
  }
}

/**
 * The controller's cluster credentials: the in-cluster service account when
 * running in a pod, else KUBECONFIG or ~/.kube/config (development, tests).
 */
export function loadKubeConfig(): KubeConfig {
  const kubeConfig = new PooledKubeConfig();
  if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) {
    kubeConfig.loadFromCluster();
  } else {
    kubeConfig.loadFromDefault();
  }
  return kubeConfig;
}
