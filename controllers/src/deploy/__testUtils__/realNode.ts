import { createHash } from 'node:crypto';
import { parseTolerations } from '../../runtime/tolerations';
import type { DeployConfig } from '../config';
import { testenvGate } from '../../__testUtils__/testenvGate';

/*
 * Helpers for the real-node suite: tiny app images made from the test
 * registry's busybox layer (as scripts/testenv/lib/node-image.sh makes
 * busybox itself: no Docker, no build), and HTTPS through the test world's
 * ingress with SNI and Host set and the apps CA verified (no DNS).
 */

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

async function registryFetch(
  registry: string,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const response = await fetch(`http://${registry}/v2/${path}`, init);
  if (!response.ok) {
    throw new Error(
      `${init.method ?? 'GET'} ${path}: ${
        response.status
      } ${await response.text()}`,
    );
  }
  return response;
}

/**
 * Pushes `<registry>/<repo>:<tag>`: busybox's layer (mounted from
 * `library/busybox`) with a config of our own — an entrypoint and a
 * numeric non-root user, as the restricted Pod Security profile wants.
 * Returns the manifest digest. Same input, same digest.
 */
export async function pushBusyboxApp(options: {
  registry: string;
  busyboxImage: string;
  repo: string;
  tag: string;
  entrypoint: string[];
  user?: string;
}): Promise<string> {
  const { registry, repo } = options;
  const [busyboxRepo, busyboxTag] = options.busyboxImage
    .slice(options.busyboxImage.indexOf('/') + 1)
    .split(':');
  const base = (await (
    await registryFetch(registry, `${busyboxRepo}/manifests/${busyboxTag}`, {
      headers: { Accept: OCI_MANIFEST },
    })
  ).json()) as {
    config: { digest: string };
    layers: Array<{ digest: string; size: number; mediaType: string }>;
  };
  const baseConfig = (await (
    await registryFetch(registry, `${busyboxRepo}/blobs/${base.config.digest}`)
  ).json()) as { config: Record<string, unknown> };

  for (const layer of base.layers) {
    await registryFetch(
      registry,
      `${repo}/blobs/uploads/?mount=${layer.digest}&from=${busyboxRepo}`,
      { method: 'POST' },
    );
  }
  const config = JSON.stringify({
    ...baseConfig,
    config: {
      ...baseConfig.config,
      Entrypoint: options.entrypoint,
      Cmd: [],
      ...(options.user ? { User: options.user } : {}),
    },
  });
  const configDigest = sha256(config);
  const upload = await registryFetch(registry, `${repo}/blobs/uploads/`, {
    method: 'POST',
  });
  const location = new URL(
    upload.headers.get('location')!,
    `http://${registry}`,
  );
  location.searchParams.set('digest', configDigest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: config,
  });
  if (!put.ok) throw new Error(`config upload: ${put.status}`);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: {
      mediaType: OCI_CONFIG,
      digest: configDigest,
      size: Buffer.byteLength(config),
    },
    layers: base.layers,
  });
  await registryFetch(registry, `${repo}/manifests/${options.tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': OCI_MANIFEST },
    body: manifest,
  });
  return sha256(manifest);
}

/** What every real-node deploy suite needs of the test world. */
const REAL_NODE_ENV = [
  'KUBECONFIG',
  'KLI8NT_TEST_AMQP_URL',
  'KLI8NT_TEST_REGISTRY',
  'KLI8NT_TEST_REAL_NODE',
  'KLI8NT_TEST_BUSYBOX_IMAGE',
  'KLI8NT_TEST_INGRESS',
  'KLI8NT_TEST_APPS_DOMAIN',
  'KLI8NT_TEST_CA_FILE',
  'KLI8NT_TEST_INGRESS_CLASS',
];

/** The gate of a real-node deploy suite: what they all need, and `extra`. */
export function realNodeGate(extra: string[]) {
  return testenvGate([...REAL_NODE_ENV, ...extra]);
}

/** Writes its page where a non-root user may (/tmp), then serves it on $PORT. */
export const HTTPD = [
  'sh',
  '-c',
  'mkdir -p /tmp/www && echo "hello $GREETING" > /tmp/www/index.html && exec httpd -f -p "$PORT" -h /tmp/www',
];

/** Selector and toleration that put the apps on the real node. */
export function realNodePlacement(): Pick<
  DeployConfig,
  'nodeSelector' | 'tolerations'
> {
  const parsed = parseTolerations('kli8nt.io/node=real:NoSchedule');
  if ('problems' in parsed) throw new Error(parsed.problems.join('; '));
  return {
    nodeSelector: { 'kli8nt.io/node': 'real' },
    tolerations: parsed.tolerations,
  };
}

/**
 * Pushes `kli8nt-tests/<name>:v1` to the test registry with
 * {@link pushBusyboxApp}; `image` is the repository as pods name it (the
 * registry's loopback address works from the node too: containerd maps it
 * to the veth, README "Containment").
 */
export async function pushTestApp(
  name: string,
  entrypoint: readonly string[],
  user?: string,
): Promise<{ image: string; digest: string }> {
  const registry = process.env.KLI8NT_TEST_REGISTRY!;
  const repo = `kli8nt-tests/${name}`;
  const digest = await pushBusyboxApp({
    registry,
    busyboxImage: process.env.KLI8NT_TEST_BUSYBOX_IMAGE!,
    repo,
    tag: 'v1',
    entrypoint: [...entrypoint],
    user,
  });
  return { image: `${registry}/${repo}`, digest };
}
