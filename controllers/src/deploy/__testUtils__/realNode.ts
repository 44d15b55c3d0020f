import { createHash } from 'node:crypto';

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
