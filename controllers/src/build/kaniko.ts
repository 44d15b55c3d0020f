import type { V1SecurityContext } from '@kubernetes/client-node';
import { proxyBuildArgs } from './proxy';
import type { BuildResource } from './types';
import { CONTAINERS } from './types';
import {
  BuilderSteps,
  contextDir,
  dockerfileOf,
  imageRepository,
  JobConfig,
  stepBasics,
  WORKSPACE,
  workspaceMount,
} from './jobParts';

/*
 * The Kaniko builder: one container that builds the image into a tarball in
 * the workspace, for the push step to upload. It holds no registry
 * credential, so it has no layer cache: Kaniko keeps its cache only in a
 * registry, which the build container would need write access to (use the
 * BuildKit builder for cached builds).
 */

const IMAGE_TARBALL = `${WORKSPACE}/image.tar`;

/*
 * Kaniko unpacks base images and runs RUN steps as root in its own
 * container, so it cannot run as non-root or with a read-only root. It gets
 * the container runtime's usual capabilities minus NET_RAW, and no
 * privilege escalation: Pod Security "baseline".
 */
const kanikoSecurity: V1SecurityContext = {
  runAsUser: 0,
  runAsGroup: 0,
  runAsNonRoot: false,
  allowPrivilegeEscalation: false,
  capabilities: {
    drop: ['ALL'],
    add: [
      'CHOWN',
      'DAC_OVERRIDE',
      'FOWNER',
      'FSETID',
      'KILL',
      'MKNOD',
      'SETFCAP',
      'SETGID',
      'SETPCAP',
      'SETUID',
      'NET_BIND_SERVICE',
      'SYS_CHROOT',
      'AUDIT_WRITE',
    ],
  },
};

function kanikoArgs(build: BuildResource, config: JobConfig): string[] {
  const { spec } = build;
  const context = contextDir(build);
  const args = [
    `--context=dir://${context}`,
    `--dockerfile=${context}/${dockerfileOf(build)}`,
    // Only names the image in the tarball: with --no-push, nothing is sent.
    `--destination=${imageRepository(config, spec.app)}:${spec.revision}`,
    '--no-push',
    `--tar-path=${IMAGE_TARBALL}`,
    `--label=org.opencontainers.image.revision=${spec.revision}`,
    `--label=org.opencontainers.image.source=${spec.repo.cloneUrl}`,
  ];
  // Each build argument is its own argv entry: no shell ever sees them.
  for (const key of Object.keys(spec.buildArgs).sort()) {
    args.push(`--build-arg=${key}=${spec.buildArgs[key]}`);
  }
  // The proxy, unless the app sets the same argument itself.
  for (const { name, value } of proxyBuildArgs(config.proxy)) {
    if (!(name in spec.buildArgs)) args.push(`--build-arg=${name}=${value}`);
  }
  if (config.dockerHubMirror) {
    args.push(`--registry-mirror=${config.dockerHubMirror}`);
  }
  if (config.insecureRegistry) args.push('--insecure-pull');
  return args;
}

export function kanikoSteps(
  build: BuildResource,
  config: JobConfig,
): BuilderSteps {
  return {
    initContainers: [
      {
        name: CONTAINERS.kaniko,
        image: config.images.builder,
        args: kanikoArgs(build, config),
        volumeMounts: [workspaceMount],
        securityContext: kanikoSecurity,
        ...stepBasics(config),
      },
    ],
    volumes: [],
    image: IMAGE_TARBALL,
  };
}
