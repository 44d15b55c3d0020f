import { execFileSync } from 'node:child_process';
import { request } from 'node:https';

/*
 * The few apiserver calls the chaos run makes (list, get, replace a pod's
 * status), over HTTPS with the admin kubeconfig's client certificate. A
 * plain client rather than @kubernetes/client-node: the bench package does
 * not depend on it, and these calls must fail fast (not retry) while the
 * run has the apiserver down.
 */

interface Credentials {
  server: URL;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
    resourceVersion?: string;
  };
  spec?: any;
  status?: any;
}

export class Kube {
  private readonly creds: Credentials;

  constructor(kubeconfig: string) {
    const view = JSON.parse(
      execFileSync(
        'kubectl',
        ['--kubeconfig', kubeconfig, 'config', 'view', '--raw', '-o', 'json'],
        { encoding: 'utf8' },
      ),
    );
    const b64 = (s: string) => Buffer.from(s, 'base64');
    this.creds = {
      server: new URL(view.clusters[0].cluster.server),
      ca: b64(view.clusters[0].cluster['certificate-authority-data']),
      cert: b64(view.users[0].user['client-certificate-data']),
      key: b64(view.users[0].user['client-key-data']),
    };
  }

  /** One call; rejects on any non-2xx (with the status) or socket error. */
  call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const { server, ca, cert, key } = this.creds;
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host: server.hostname,
          port: server.port,
          path,
          method,
          ca,
          cert,
          key,
          timeout: 10_000,
          headers: { 'content-type': 'application/json' },
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', c => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 300) {
              reject(
                Object.assign(
                  new Error(`${method} ${path}: ${res.statusCode} ${text}`),
                  { status: res.statusCode },
                ),
              );
            } else {
              resolve(JSON.parse(text) as T);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${path}: timeout`)));
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  async list(path: string): Promise<KubeObject[]> {
    return (await this.call<{ items: KubeObject[] }>('GET', path)).items;
  }

  /** The object, or undefined when it does not exist. */
  async get(path: string): Promise<KubeObject | undefined> {
    try {
      return await this.call<KubeObject>('GET', path);
    } catch (error) {
      if ((error as { status?: number }).status === 404) return undefined;
      throw error;
    }
  }
}
