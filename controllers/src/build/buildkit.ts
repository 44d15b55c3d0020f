import type { V1SecurityContext } from '@kubernetes/client-node';
import type { BuildResource } from './types';
import { CONTAINERS } from './types';
import {
  BuilderSteps,
  cacheRepository,
  contextDir,
  dockerfileOf,
  JobConfig,
  registryHost,
  stepBasics,
  WORKSPACE,
  workspaceMount,
} from './jobParts';
import { proxyBuildArgs } from './proxy';
import { cacheRestoreContainer } from './push';

/*
 * The BuildKit builder: a rootless buildkitd started for this one build by
 * buildctl-daemonless.sh, which exports the image and the layer cache as OCI
 * layouts into the workspace. It never talks to the registry with a
 * credential: the trusted steps restore the app's cache before it and push
 * image and cache after it (see push.ts).
 */

/** Uid of the image's `user`, whose subordinate ids rootlesskit maps. */
export const BUILDKIT_USER = 1000;
const HOME = '/home/user';

const IMAGE_LAYOUT = `${WORKSPACE}/image`;
const CACHE_IN = `${WORKSPACE}/cache`;
const CACHE_OUT = `${WORKSPACE}/cache-out`;
const CONFIG_FILE = '/tmp/buildkitd.toml';
/** buildkitd's --root: a directory of its own in the buildkit-state volume. */
const STATE_ROOT = `${HOME}/.local/share/buildkit/root`;
/** The cache's tag in the app's cache repository. */
export const BUILDKIT_CACHE_TAG = 'buildkit';

/**
 * Writes buildkitd's configuration (rendered by the controller, see
 * {@link buildkitdConfig}) and runs buildctl through an ephemeral daemon.
 *
 * The kubelet makes the state volume group-owned by the pod's fsGroup and
 * setgid, so what buildkitd creates there inherits a group rootlesskit's
 * user namespace does not map: its overlayfs check then fails and it falls
 * back to the native snapshotter, which copies every layer (minutes per
 * build). Its root is therefore a directory of the build user's own group,
 * without setgid.
 */
export const BUILDKIT_SCRIPT = `set -eu
printf '%s' "$KLI8NT_BUILDKITD_TOML" >${CONFIG_FILE}
mkdir -p ${STATE_ROOT}
chgrp ${BUILDKIT_USER} ${STATE_ROOT}
chmod g-s ${STATE_ROOT}
exec buildctl-daemonless.sh "$@"
`;

/*
 * Rootless: buildkitd runs as an unprivileged user inside a user namespace
 * whose id maps rootlesskit writes with newuidmap/newgidmap, which carry
 * file capabilities cap_setuid/cap_setgid (hence SETUID/SETGID in the
 * bounding set, and privilege escalation allowed so execve grants them). The
 * RuntimeDefault seccomp profile and AppArmor refuse unshare and mount,
 * hence Unconfined: Pod Security "privileged", although the container has
 * no capability beyond those two and no host access. Processes of RUN steps
 * share the daemon's PID namespace (--oci-worker-no-process-sandbox:
 * Kubernetes cannot unmask /proc), which is why this container holds no
 * secret whatsoever.
 */
const buildkitSecurity: V1SecurityContext = {
  runAsNonRoot: true,
  runAsUser: BUILDKIT_USER,
  runAsGroup: BUILDKIT_USER,
  allowPrivilegeEscalation: true,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'], add: ['SETGID', 'SETUID'] },
  seccompProfile: { type: 'Unconfined' },
  appArmorProfile: { type: 'Unconfined' },
};

/**
 * buildkitd.toml: Docker Hub through the configured mirror, and plain HTTP
 * for the registry and mirror when the registry is insecure. Hosts come
 * from validated settings (host[:port]), so JSON strings are valid TOML.
 */
export function buildkitdConfig(
  config: Pick<JobConfig, 'registry' | 'insecureRegistry' | 'dockerHubMirror'>,
): string {
  const lines: string[] = [];
  if (config.dockerHubMirror) {
    lines.push(
      '[registry."docker.io"]',
      `  mirrors = [${JSON.stringify(config.dockerHubMirror)}]`,
    );
  }
  if (config.insecureRegistry) {
    const hosts = new Set([registryHost(config.registry)]);
    if (config.dockerHubMirror) hosts.add(config.dockerHubMirror);
    for (const host of [...hosts].sort()) {
      lines.push(
        `[registry.${JSON.stringify(host)}]`,
        '  http = true',
        '  insecure = true',
      );
    }
  }
  return lines.map(line => `${line}\n`).join('');
}

function buildctlArgs(
  build: BuildResource,
  config: JobConfig,
  cacheRef: string,
): string[] {
  const { spec } = build;
  const args = [
    'build',
    '--progress=plain',
    '--frontend=dockerfile.v0',
    `--local=context=${contextDir(build)}`,
    `--local=dockerfile=${contextDir(build)}`,
    `--opt=filename=${dockerfileOf(build)}`,
    `--opt=label:org.opencontainers.image.revision=${spec.revision}`,
    `--opt=label:org.opencontainers.image.source=${spec.repo.cloneUrl}`,
  ];
  // Each build argument is its own argv entry: no shell ever sees them.
  for (const key of Object.keys(spec.buildArgs).sort()) {
    args.push(`--opt=build-arg:${key}=${spec.buildArgs[key]}`);
  }
  // The proxy, unless the app sets the same argument itself.
  for (const { name, value } of proxyBuildArgs(config.proxy)) {
    if (!(name in spec.buildArgs))
      args.push(`--opt=build-arg:${name}=${value}`);
  }
  args.push(
    `--output=type=oci,dest=${IMAGE_LAYOUT},tar=false`,
    // The restore step names the layout's manifest by the cache's reference.
    `--import-cache=type=local,src=${CACHE_IN},tag=${cacheRef}`,
    // mode=max keeps the layers of every stage, so dependency stages of a
    // multi-stage Dockerfile are reused after a source-only change.
    `--export-cache=type=local,dest=${CACHE_OUT},mode=max`,
    // For the build log only: the digest reported is the one the push step
    // reads back from the registry, not what this untrusted step says.
    `--metadata-file=${WORKSPACE}/build-metadata.json`,
  );
  return args;
}

export function buildkitSteps(
  build: BuildResource,
  config: JobConfig,
): BuilderSteps {
  const cacheRef = `${cacheRepository(
    config,
    build.spec.app,
  )}:${BUILDKIT_CACHE_TAG}`;
  return {
    initContainers: [
      cacheRestoreContainer({ dir: CACHE_IN, ref: cacheRef }, config),
      {
        name: CONTAINERS.buildkit,
        image: config.images.builder,
        command: ['/bin/sh', '-c', BUILDKIT_SCRIPT, CONTAINERS.buildkit],
        args: buildctlArgs(build, config, cacheRef),
        env: [
          { name: 'HOME', value: HOME },
          { name: 'USER', value: 'user' },
          { name: 'XDG_RUNTIME_DIR', value: `/run/user/${BUILDKIT_USER}` },
          { name: 'TMPDIR', value: '/tmp' },
          {
            name: 'BUILDKITD_FLAGS',
            value: `--oci-worker-no-process-sandbox --config=${CONFIG_FILE} --root=${STATE_ROOT}`,
          },
          { name: 'KLI8NT_BUILDKITD_TOML', value: buildkitdConfig(config) },
        ],
        volumeMounts: [
          workspaceMount,
          { name: 'buildkit-tmp', mountPath: '/tmp' },
          { name: 'buildkit-run', mountPath: `/run/user/${BUILDKIT_USER}` },
          {
            name: 'buildkit-state',
            mountPath: `${HOME}/.local/share/buildkit`,
          },
        ],
        securityContext: buildkitSecurity,
        ...stepBasics(config),
      },
    ],
    volumes: [
      { name: 'buildkit-tmp', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'buildkit-run', emptyDir: { sizeLimit: '16Mi' } },
      // Unpacked base images and built layers.
      { name: 'buildkit-state', emptyDir: { sizeLimit: config.workspaceSize } },
    ],
    image: IMAGE_LAYOUT,
    cache: { dir: CACHE_OUT, ref: cacheRef },
  };
}
