import {
  BuildRequestedMessage,
  buildObjectName,
  cloneSecretName,
  kli8ntLabels,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import type {
  V1Container,
  V1Job,
  V1Secret,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { buildkitSteps } from './buildkit';
import {
  BUILD_USER,
  contextDir,
  imageRepository,
  JobConfig,
  restricted,
  SOURCE_DIR,
  stepBasics,
  tmpMount,
  workspaceMount,
} from './jobParts';
import { kanikoSteps } from './kaniko';
import { proxyVariables } from './proxy';
import { pushContainer, trustedVolumes } from './push';
import {
  BUILD_API_VERSION,
  BUILD_KIND,
  BuildResource,
  CONTAINERS,
} from './types';

/*
 * Pure builders of everything the build role creates. No I/O: the same
 * inputs give the same objects, which the tests pin as golden objects.
 */

const CLONE_SECRET_DIR = '/var/run/kli8nt/clone';
const CA_DIR = '/etc/kli8nt/ca';
/** Key of the PEM bundle in the `KLI8NT_BUILD_CA_CONFIGMAP` ConfigMap. */
export const CA_KEY = 'ca.crt';
/** Key in the clone Secret: the complete HTTP header line git sends. */
export const CLONE_HEADER_KEY = 'http-extraheader';

/**
 * The clone step. A fixed script: the URL, the commit and the header file
 * arrive as environment variables, so no user value is ever part of a shell
 * string. The token reaches git as `http.extraHeader` through git's
 * GIT_CONFIG_* environment, so it is in neither the URL, nor an argument
 * list, nor any output. Only the one commit is fetched, and `.git` is removed
 * so the build context holds no repository metadata.
 */
export const CLONE_SCRIPT = `set -eu
mkdir -p "$KLI8NT_SOURCE_DIR"
cd "$KLI8NT_SOURCE_DIR"
git init --quiet
git remote add origin "$KLI8NT_CLONE_URL"
if [ -n "\${KLI8NT_HEADER_FILE:-}" ] && [ -s "$KLI8NT_HEADER_FILE" ]; then
  GIT_CONFIG_COUNT=1
  GIT_CONFIG_KEY_0=http.extraHeader
  GIT_CONFIG_VALUE_0=$(cat "$KLI8NT_HEADER_FILE")
  export GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0
fi
git fetch --quiet --depth=1 --no-tags origin "$KLI8NT_REVISION"
git -c advice.detachedHead=false checkout --quiet FETCH_HEAD
test "$(git rev-parse HEAD)" = "$KLI8NT_REVISION"
rm -rf .git
if [ -n "\${KLI8NT_SOURCE_PATH:-}" ]; then
  # The build context must be a directory inside the checkout, not a
  # symlink out of it.
  context=$(cd "$KLI8NT_SOURCE_PATH" 2>/dev/null && pwd -P) || context=
  case "$context" in
  "$(pwd -P)"/*) ;;
  *)
    echo "kli8nt.io/source-path '$KLI8NT_SOURCE_PATH' is not a directory in $KLI8NT_REVISION; set it to one of its directories: $(find . -mindepth 1 -maxdepth 2 -type d ! -name '.*' | sed 's|^[.]/||' | sort | head -n 20 | tr '\\n' ' ')" >&2
    exit 1
    ;;
  esac
fi
echo "cloned $KLI8NT_REVISION"
`;

/** The `Build` for a BuildRequested message. The clone token is not in it. */
export function desiredBuild(
  message: BuildRequestedMessage,
  namespace: string,
): BuildResource {
  const { payload, deploymentId } = message;
  return {
    apiVersion: BUILD_API_VERSION,
    kind: BUILD_KIND,
    metadata: {
      name: buildObjectName(deploymentId),
      namespace,
      labels: kli8ntLabels({ app: payload.app, role: 'build', deploymentId }),
    },
    spec: {
      deploymentId: deploymentId.toLowerCase(),
      app: payload.app,
      entityRef: payload.entityRef,
      cluster: payload.cluster,
      repo: { ...payload.repo },
      revision: payload.revision.toLowerCase(),
      ref: payload.ref,
      ...(payload.sourcePath ? { sourcePath: payload.sourcePath } : {}),
      ...(payload.dockerfilePath
        ? { dockerfilePath: payload.dockerfilePath }
        : {}),
      buildArgs: { ...payload.buildArgs },
      config: payload.config,
      ...(payload.sealedCloneToken
        ? { cloneSecretName: cloneSecretName(deploymentId) }
        : {}),
    },
  };
}

/**
 * The per-build Secret holding the clone token, as the header line git
 * sends (GitHub takes the token as basic auth for `x-access-token`).
 * Created before its Build, and owned by the Job once that exists (see
 * {@link cloneSecretOwnership}), so it goes away with the Job.
 */
export function desiredCloneSecret(
  message: BuildRequestedMessage,
  namespace: string,
  token: string,
): V1Secret {
  const { payload, deploymentId } = message;
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: cloneSecretName(deploymentId),
      namespace,
      labels: kli8ntLabels({ app: payload.app, role: 'build', deploymentId }),
    },
    type: 'Opaque',
    immutable: true,
    data: {
      [CLONE_HEADER_KEY]: Buffer.from(`Authorization: Basic ${basic}`).toString(
        'base64',
      ),
    },
  };
}

/**
 * The partial object, applied under its own field manager, that makes the
 * build's Job the owner of the clone Secret.
 */
export function cloneSecretOwnership(
  build: BuildResource,
  job: V1Job,
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: build.spec.cloneSecretName,
      namespace: build.metadata.namespace,
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata!.name!,
          uid: job.metadata!.uid!,
          blockOwnerDeletion: false,
        },
      ],
    },
  };
}

/**
 * Seconds left of the build's deadline, counted from when the Build was
 * created: a controller that was down, or a Job created late, does not
 * stretch the time a build may take.
 */
export function remainingBuildSeconds(
  build: BuildResource,
  config: Pick<JobConfig, 'deadlineSeconds'>,
  now: Date,
): number {
  const created = build.metadata.creationTimestamp
    ? new Date(build.metadata.creationTimestamp).getTime()
    : now.getTime();
  const elapsed = Math.max(0, Math.floor((now.getTime() - created) / 1000));
  return config.deadlineSeconds - elapsed;
}

/** The steps of the configured builder. */
function builderSteps(build: BuildResource, config: JobConfig) {
  switch (config.builder) {
    case 'kaniko':
      return kanikoSteps(build, config);
    case 'buildkit':
      return buildkitSteps(build, config);
    default:
      throw new Error(`unknown builder ${config.builder satisfies never}`);
  }
}

/** The clone step, and the token volume when the repository needs one. */
function cloneStep(
  build: BuildResource,
  config: JobConfig,
): { container: V1Container; volumes: V1Volume[] } {
  const { spec } = build;
  const env = [
    { name: 'KLI8NT_SOURCE_DIR', value: SOURCE_DIR },
    { name: 'KLI8NT_CLONE_URL', value: spec.repo.cloneUrl },
    { name: 'KLI8NT_REVISION', value: spec.revision },
    { name: 'HOME', value: '/tmp' },
    { name: 'GIT_TERMINAL_PROMPT', value: '0' },
    { name: 'GIT_CONFIG_NOSYSTEM', value: '1' },
    ...(spec.sourcePath
      ? [{ name: 'KLI8NT_SOURCE_PATH', value: spec.sourcePath }]
      : []),
    ...proxyVariables(config.proxy),
  ];
  const mounts: V1VolumeMount[] = [workspaceMount, tmpMount];
  const volumes: V1Volume[] = [];
  if (config.caConfigMap) {
    // git (libcurl) trusts this bundle instead of the system's, so the
    // ConfigMap should hold the private CA and whatever public CAs the
    // clone needs besides (usually only the private one).
    volumes.push({
      name: 'build-ca',
      configMap: {
        name: config.caConfigMap,
        items: [{ key: CA_KEY, path: CA_KEY }],
        defaultMode: 0o444,
      },
    });
    mounts.push({ name: 'build-ca', mountPath: CA_DIR, readOnly: true });
    env.push({ name: 'GIT_SSL_CAINFO', value: `${CA_DIR}/${CA_KEY}` });
  }
  if (spec.cloneSecretName) {
    volumes.push({
      name: 'clone-token',
      secret: {
        secretName: spec.cloneSecretName,
        // Readable through the pod's fsGroup by the non-root clone step.
        defaultMode: 0o440,
      },
    });
    env.push({
      name: 'KLI8NT_HEADER_FILE',
      value: `${CLONE_SECRET_DIR}/${CLONE_HEADER_KEY}`,
    });
    mounts.push({
      name: 'clone-token',
      mountPath: CLONE_SECRET_DIR,
      readOnly: true,
    });
  }
  return {
    container: {
      name: CONTAINERS.clone,
      image: config.images.clone,
      command: ['/bin/sh', '-c', CLONE_SCRIPT],
      env,
      volumeMounts: mounts,
      securityContext: restricted,
      ...stepBasics(config),
    },
    volumes,
  };
}

/** The detect step: writes the Dockerfile and the plan ({stack, port}). */
function detectContainer(build: BuildResource, config: JobConfig): V1Container {
  return {
    name: CONTAINERS.detect,
    image: config.images.detect,
    // The plan goes to the termination message for the built report.
    command: [
      'kli8nt-detect',
      '--write',
      '--plan-file',
      '/dev/termination-log',
      ...(build.spec.sourcePath ? ['--checkout', SOURCE_DIR] : []),
      contextDir(build),
    ],
    terminationMessagePath: '/dev/termination-log',
    env: [{ name: 'HOME', value: '/tmp' }],
    volumeMounts: [workspaceMount, tmpMount],
    securityContext: restricted,
    ...stepBasics(config),
  };
}

/**
 * The build Job: clone → detect (unless the repo names its Dockerfile) →
 * build with the configured builder → push. Only the trusted steps (cache
 * restore, push) hold the registry credential; no step that runs the
 * repository's code does. Named after the Build, so it is created at most
 * once; owned by the Build; no service-account token, resource limits, a
 * deadline, no retries, and removed a while after it finished.
 */
export function desiredJob(
  build: BuildResource,
  config: JobConfig,
  now: Date,
): V1Job {
  const { spec, metadata } = build;
  const labels = kli8ntLabels({
    app: spec.app,
    role: 'build',
    deploymentId: spec.deploymentId,
  });
  const clone = cloneStep(build, config);
  const builder = builderSteps(build, config);
  const push = pushContainer(
    {
      path: builder.image,
      ref: `${imageRepository(config, spec.app)}:${spec.revision}`,
    },
    builder.cache,
    config,
  );

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: BUILD_API_VERSION,
          kind: BUILD_KIND,
          name: metadata.name,
          uid: metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: Math.max(
        1,
        remainingBuildSeconds(build, config, now),
      ),
      ttlSecondsAfterFinished: config.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            fsGroup: BUILD_USER,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(Object.keys(config.nodeSelector).length > 0
            ? { nodeSelector: { ...config.nodeSelector } }
            : {}),
          ...(config.tolerations.length > 0
            ? { tolerations: config.tolerations.map(t => ({ ...t })) }
            : {}),
          initContainers: [
            clone.container,
            ...(spec.dockerfilePath ? [] : [detectContainer(build, config)]),
            ...builder.initContainers,
          ],
          containers: [push],
          volumes: [
            {
              name: 'workspace',
              emptyDir: { sizeLimit: config.workspaceSize },
            },
            { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
            ...trustedVolumes(config),
            ...clone.volumes,
            ...builder.volumes,
          ],
        },
      },
    },
  };
}
