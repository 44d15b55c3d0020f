import type { KubeConfig } from '@kubernetes/client-node';
import {
  request as httpRequest,
  IncomingMessage,
  RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';

/** One pods/log request: always with timestamps. */
export interface LogStreamRequest {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  previous: boolean;
  /** RFC 3339, whole seconds. */
  sinceTime?: string;
}

/** Opens pods/log streams; a fake in unit tests, the API server in production. */
export interface LogStreamOpener {
  open(
    request: LogStreamRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<Uint8Array>>;
}

/** The API server refused a log request (e.g. 400 while the container waits to start, 404 once the pod is gone). */
export class LogStreamError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LogStreamError';
  }

  /** The request itself can never succeed for this instance (not a transient failure). */
  get permanent(): boolean {
    return this.status === 400 || this.status === 404;
  }
}

/** Builds the pods/log path and query. */
export function logStreamPath(request: LogStreamRequest): string {
  const query = new URLSearchParams({
    container: request.container,
    timestamps: 'true',
    follow: String(request.follow),
  });
  if (request.previous) query.set('previous', 'true');
  if (request.sinceTime) query.set('sinceTime', request.sinceTime);
  return `/api/v1/namespaces/${encodeURIComponent(
    request.namespace,
  )}/pods/${encodeURIComponent(request.pod)}/log?${query}`;
}

/**
 * Streams pods/log through the API server with the kubeconfig's
 * credentials. The request is made here rather than with client-node's
 * `Log` so that errors keep their status and message, and the stream can
 * be consumed with backpressure and aborted.
 */
export class KubeLogStreamOpener implements LogStreamOpener {
  constructor(private readonly kubeConfig: KubeConfig) {}

  async open(
    request: LogStreamRequest,
    signal: AbortSignal,
  ): Promise<AsyncIterable<Uint8Array>> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('The kubeconfig has no current cluster');
    const url = new URL(cluster.server);
    const options: RequestOptions & Record<string, unknown> = {
      method: 'GET',
      headers: { accept: '*/*' },
    };
    await this.kubeConfig.applyToHTTPSOptions(options);
    const path = `${url.pathname.replace(/\/$/, '')}${logStreamPath(request)}`;
    const requestFn = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = requestFn(
        {
          ...options,
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || undefined,
          path,
          signal,
        },
        resolve,
      );
      req.on('error', reject);
      req.setTimeout(30_000, () =>
        req.destroy(new Error('Timed out waiting for the log stream to start')),
      );
      req.end();
    });
    response.socket?.setKeepAlive(true, 30_000);
    response.socket?.setTimeout(0);
    if (response.statusCode !== 200) {
      const body = await readBody(response);
      throw new LogStreamError(
        response.statusCode ?? 0,
        `pods/log ${request.namespace}/${request.pod}/${request.container}: ${
          response.statusCode
        } ${statusMessage(body)}`,
      );
    }
    return response;
  }
}

async function readBody(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    if (size < 8192) chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, 8192);
}

function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as { message?: string };
    return status.message ?? body;
  } catch {
    return body;
  }
}
