import type {
  V1Container,
  V1SecurityContext,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { BuildConfig } from '../config';
import type { BuildResource } from './types';

/*
 * What the build Job's steps share: the configuration they read, the
 * workspace layout, and the security context of the unprivileged steps.
 */

/** What the Job builders need of the controller's configuration. */
export type JobConfig = Pick<
  BuildConfig,
  | 'builder'
  | 'registry'
  | 'cacheRepo'
  | 'pushSecretName'
  | 'insecureRegistry'
  | 'dockerHubMirror'
  | 'images'
  | 'deadlineSeconds'
  | 'ttlSecondsAfterFinished'
  | 'resources'
  | 'workspaceSize'
  | 'nodeSelector'
  | 'tolerations'
  | 'caConfigMap'
  | 'proxy'
>;

/** Uid/gid of the unprivileged steps (clone, detect, cache, push). */
export const BUILD_USER = 65532;

export const WORKSPACE = '/workspace';
export const SOURCE_DIR = `${WORKSPACE}/src`;

export const workspaceMount: V1VolumeMount = {
  name: 'workspace',
  mountPath: WORKSPACE,
};
export const tmpMount: V1VolumeMount = { name: 'tmp', mountPath: '/tmp' };

export const restricted: V1SecurityContext = {
  runAsNonRoot: true,
  runAsUser: BUILD_USER,
  runAsGroup: BUILD_USER,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** Fields every step container has. */
export function stepBasics(
  config: Pick<JobConfig, 'resources'>,
): Pick<V1Container, 'resources' | 'terminationMessagePolicy'> {
  return {
    resources: {
      requests: { ...config.resources.requests },
      limits: { ...config.resources.limits },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** `<registry>/<app>`: the repository the app's images are pushed to. */
export function imageRepository(
  config: Pick<JobConfig, 'registry'>,
  app: string,
) {
  return `${config.registry}/${app}`;
}

/** `<cache repo>/<app>`: each app's layer cache has its own repository. */
export function cacheRepository(
  config: Pick<JobConfig, 'cacheRepo'>,
  app: string,
) {
  return `${config.cacheRepo}/${app}`;
}

/**
 * The build context: the checkout, or its `kli8nt.io/source-path`
 * subdirectory (a monorepo app). Detection and the builders see only it.
 */
export function contextDir(build: BuildResource): string {
  const { sourcePath } = build.spec;
  return sourcePath ? `${SOURCE_DIR}/${sourcePath}` : SOURCE_DIR;
}

/** The Dockerfile to build, relative to the build context. */
export function dockerfileOf(build: BuildResource): string {
  return build.spec.dockerfilePath ?? 'Dockerfile';
}

/** The registry host of a `host[:port][/path]` reference. */
export function registryHost(reference: string): string {
  return reference.split('/')[0];
}

/**
 * What a builder adds to the Job: its steps, run after clone and detect in
 * order, the volumes they need, and what the push step uploads.
 */
export interface BuilderSteps {
  initContainers: V1Container[];
  volumes: V1Volume[];
  /** The built image in the workspace: an OCI layout directory or a tarball. */
  image: string;
  /** A layer cache (OCI layout) in the workspace to save, with its repository. */
  cache?: { dir: string; ref: string };
}
