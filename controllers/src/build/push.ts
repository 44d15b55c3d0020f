import type { V1Container, V1Volume } from '@kubernetes/client-node';
import { CONTAINERS } from './types';
import { JobConfig, restricted, stepBasics, workspaceMount } from './jobParts';

/*
 * The trusted steps: the only containers that hold the registry credential.
 * No code from the repository runs in them; they move what the build step
 * left in the workspace to the registry (crane), and back for the cache.
 * The build step itself runs with no credential at all, since anything in
 * its container is readable by the repository's RUN steps.
 */

const REGISTRY_CONFIG_DIR = '/var/run/kli8nt/registry';

/** The volumes of the trusted steps. */
export function trustedVolumes(
  config: Pick<JobConfig, 'pushSecretName'>,
): V1Volume[] {
  return [
    { name: 'trusted-tmp', emptyDir: { sizeLimit: '16Mi' } },
    registryCredentialVolume(config),
  ];
}

/** The push Secret, readable through the pod's fsGroup by the non-root steps. */
function registryCredentialVolume(
  config: Pick<JobConfig, 'pushSecretName'>,
): V1Volume {
  return {
    name: 'registry-credential',
    secret: {
      secretName: config.pushSecretName,
      items: [{ key: '.dockerconfigjson', path: 'config.json' }],
      defaultMode: 0o440,
    },
  };
}

/**
 * Refuses symbolic links in what the build step left: a link to the
 * credential file would otherwise be uploaded as a blob of the app's own
 * image, where its owner could pull it.
 */
const NO_LINKS = `refuse_links() {
  for path in "$@"; do
    if [ -e "$path" ] || [ -L "$path" ]; then
      if [ -n "$(find "$path" -type l | head -n 1)" ]; then
        echo "refusing $path: the build step left a symbolic link in it" >&2
        exit 1
      fi
    fi
  done
}
`;

/**
 * Pushes the image, then the layer cache; the digest the registry stored is
 * the termination message (the same contract as Kaniko's digest file).
 * Values arrive as environment variables; "$@" are crane's own flags. A
 * cache that cannot be saved only costs the next build time, so it does not
 * fail the build.
 */
export const PUSH_SCRIPT = `set -eu
${NO_LINKS}refuse_links "$KLI8NT_IMAGE" \${KLI8NT_CACHE_DIR:+"$KLI8NT_CACHE_DIR"}
crane push "$@" --image-refs "\${TMPDIR:-/tmp}/pushed" "$KLI8NT_IMAGE" "$KLI8NT_IMAGE_REF"
pushed=$(cat "\${TMPDIR:-/tmp}/pushed")
if [ -n "\${KLI8NT_CACHE_DIR:-}" ] && [ -f "$KLI8NT_CACHE_DIR/index.json" ]; then
  crane push "$@" "$KLI8NT_CACHE_DIR" "$KLI8NT_CACHE_REF" >/dev/null ||
    echo "warning: the layer cache was not saved" >&2
fi
printf '%s' "\${pushed##*@}" >/dev/termination-log
echo "pushed $pushed"
`;

/**
 * Fetches the app's layer cache into the workspace before the build, as an
 * OCI layout whose index names it by its reference (--annotate-ref), the
 * tag BuildKit's import looks up. A cache that does not exist yet (the first build) is fine;
 * any other registry error fails the step, as the push would fail too.
 */
export const CACHE_RESTORE_SCRIPT = `set -eu
if crane manifest "$@" "$KLI8NT_CACHE_REF" >/dev/null 2>"\${TMPDIR:-/tmp}/cache-error"; then
  crane pull "$@" --format=oci --annotate-ref "$KLI8NT_CACHE_REF" "$KLI8NT_CACHE_DIR"
  # crane writes owner-only files; buildctl reads them and locks the index
  # as another user of the pod's fsGroup.
  chmod -R g+rwX "$KLI8NT_CACHE_DIR"
  echo "restored the layer cache from $KLI8NT_CACHE_REF"
elif grep -q -e MANIFEST_UNKNOWN -e NAME_UNKNOWN "\${TMPDIR:-/tmp}/cache-error"; then
  echo "no layer cache yet at $KLI8NT_CACHE_REF"
else
  cat "\${TMPDIR:-/tmp}/cache-error" >&2
  exit 1
fi
`;

function craneFlags(config: Pick<JobConfig, 'insecureRegistry'>): string[] {
  return config.insecureRegistry ? ['--insecure'] : [];
}

function trustedContainer(
  name: string,
  script: string,
  env: Array<{ name: string; value: string }>,
  config: JobConfig,
): V1Container {
  return {
    name,
    image: config.images.push,
    command: ['/bin/sh', '-c', script, name, ...craneFlags(config)],
    env: [
      { name: 'DOCKER_CONFIG', value: REGISTRY_CONFIG_DIR },
      { name: 'HOME', value: '/tmp' },
      ...env,
    ],
    volumeMounts: [
      workspaceMount,
      // Not the tmp volume the build step may use: nothing it left is read here.
      { name: 'trusted-tmp', mountPath: '/tmp' },
      {
        name: 'registry-credential',
        mountPath: REGISTRY_CONFIG_DIR,
        readOnly: true,
      },
    ],
    securityContext: restricted,
    ...stepBasics(config),
  };
}

/** The push step: the Job's only regular container, run after every build step. */
export function pushContainer(
  image: { path: string; ref: string },
  cache: { dir: string; ref: string } | undefined,
  config: JobConfig,
): V1Container {
  return {
    ...trustedContainer(
      CONTAINERS.push,
      PUSH_SCRIPT,
      [
        { name: 'KLI8NT_IMAGE', value: image.path },
        { name: 'KLI8NT_IMAGE_REF', value: image.ref },
        ...(cache
          ? [
              { name: 'KLI8NT_CACHE_DIR', value: cache.dir },
              { name: 'KLI8NT_CACHE_REF', value: cache.ref },
            ]
          : []),
      ],
      config,
    ),
    // The digest; on failure the kubelet puts the last log lines here.
    terminationMessagePath: '/dev/termination-log',
  };
}

/** The step that restores the layer cache into `dir` before the build. */
export function cacheRestoreContainer(
  cache: { dir: string; ref: string },
  config: JobConfig,
): V1Container {
  return trustedContainer(
    CONTAINERS.cacheRestore,
    CACHE_RESTORE_SCRIPT,
    [
      { name: 'KLI8NT_CACHE_DIR', value: cache.dir },
      { name: 'KLI8NT_CACHE_REF', value: cache.ref },
    ],
    config,
  );
}
