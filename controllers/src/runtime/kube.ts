import { KubeConfig, RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * A KubeConfig whose requests share one keep-alive connection pool per
 * cluster and user. client-node 2 gives every request an undici Agent of
 * its own, so every request paid a TCP and TLS handshake: on the test
 * world that was most of the deploy controller's time and RSS (#18 (g)).
 *
 * The pool keeps the TLS material it was made with: a client certificate
 * rotated in its file is used from the next start (the in-cluster token is
 * a header, read again for every request as before).
 */
export class PooledKubeConfig extends KubeConfig {
  #pool?: { key: string; dispatcher: Dispatcher };

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    // A fresh Agent has not connected yet: dropping it costs nothing.
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
