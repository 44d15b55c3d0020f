/*
 * A plain Kubernetes client for the benches: node:https with the admin
 * kubeconfig's embedded certificates, keep-alive, nothing else (no
 * informers, no retries, no library), so that the baselines measure the
 * apiserver and the chaos run's calls fail fast while the apiserver is down.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

/** The fields of an object the benches read. */
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

export interface KubeResponse {
  status: number;
  body: any;
}

export class PlainKube {
  private readonly server: URL;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  /**
   * `kubeconfig`: a file with embedded `*-data` fields (the test world's
   * admin one). `timeoutMs` (0: none) fails a call the apiserver does not
   * answer.
   */
  constructor(kubeconfig: string, maxSockets = 16, timeoutMs = 0) {
    this.timeoutMs = timeoutMs;
    const text = readFileSync(kubeconfig, 'utf8');
    const field = (name: string) => {
      const value = new RegExp(`^\\s*${name}:\\s*(\\S+)`, 'm').exec(text)?.[1];
      if (!value) throw new Error(`${kubeconfig} has no ${name}`);
      return value;
    };
    const decoded = (name: string) =>
      Buffer.from(field(name), 'base64').toString();
    this.server = new URL(field('server'));
    this.agent = new Agent({
      keepAlive: true,
      maxSockets,
      ca: decoded('certificate-authority-data'),
      cert: decoded('client-certificate-data'),
      key: decoded('client-key-data'),
    });
  }

  send(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<KubeResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.server),
        {
          method,
          agent: this.agent,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
        },
        res => {
          const chunks: Buffer[] = [];
          res.on('data', chunk => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text for the error
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (this.timeoutMs) {
        req.setTimeout(this.timeoutMs, () =>
          req.destroy(new Error(`${method} ${path}: timeout`)),
        );
      }
      req.end(payload);
    });
  }

  /** GET that must answer 2xx. */
  async get(path: string, headers?: Record<string, string>): Promise<any> {
    const res = await this.send('GET', path, undefined, headers);
    if (res.status >= 300) {
      throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  /** The items of a list URL. */
  async list(path: string): Promise<KubeObject[]> {
    return (await this.get(path)).items;
  }

  /** PUT of a whole object (e.g. a pod's status) that must answer 2xx. */
  async replace(path: string, object: unknown): Promise<any> {
    const res = await this.send('PUT', path, object);
    if (res.status >= 300) {
      throw new Error(`PUT ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  /** Server-side apply of `object` at `path` (its resource URL). */
  async apply(path: string, object: unknown, fieldManager: string) {
    const res = await this.send(
      'PATCH',
      `${path}?fieldManager=${fieldManager}&force=true`,
      object,
      { 'content-type': 'application/apply-patch+yaml' },
    );
    if (res.status >= 300) {
      throw new Error(
        `apply ${path}: ${res.status} ${JSON.stringify(res.body)}`,
      );
    }
    return res.body;
  }

  /** Names in a list URL, metadata only (cheap enough to poll). */
  async names(path: string): Promise<string[]> {
    const list = await this.get(path, {
      accept:
        'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
    });
    return (list.items ?? []).map((item: any) => item.metadata.name);
  }

  /**
   * GET that streams: `onData` gets each chunk until the server ends it or
   * `abort` is called; rejects on a non-2xx answer.
   */
  stream(
    path: string,
    onData: (chunk: Buffer) => void,
  ): { done: Promise<void>; abort: () => void } {
    let aborted = false;
    let abort = () => {};
    const done = new Promise<void>((resolve, reject) => {
      const req = request(
        new URL(path, this.server),
        { agent: this.agent },
        res => {
          if ((res.statusCode ?? 0) >= 300) {
            reject(new Error(`GET ${path}: ${res.statusCode}`));
            res.resume();
            return;
          }
          res.on('data', onData);
          res.on('end', () => resolve());
          res.on('error', () => resolve());
        },
      );
      req.on('error', error => (aborted ? resolve() : reject(error)));
      abort = () => {
        aborted = true;
        req.destroy();
      };
      req.end();
    });
    return { done, abort };
  }

  close() {
    this.agent.destroy();
  }
}
