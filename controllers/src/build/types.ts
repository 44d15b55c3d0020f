import type {
  AppConfig,
  BuildPlanReport,
  DeploymentStatus,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import type { V1ObjectMeta } from '@kubernetes/client-node';

/** API group, version and names of the `Build` custom resource. */
export const BUILD_GROUP = 'kli8nt.io';
export const BUILD_VERSION = 'v1alpha1';
export const BUILD_API_VERSION = `${BUILD_GROUP}/${BUILD_VERSION}`;
export const BUILD_KIND = 'Build';
export const BUILD_PLURAL = 'builds';

/** Names of the Job's containers; failures are attributed by them. */
export const CONTAINERS = {
  clone: 'clone',
  detect: 'detect',
  cacheRestore: 'cache-restore',
  kaniko: 'kaniko',
  buildkit: 'buildkit',
  push: 'push',
} as const;

/** What a `Build` asks for: one commit of one repository, built once. */
export interface BuildSpec {
  deploymentId: string;
  app: string;
  entityRef: string;
  /** The cluster the image is deployed to. */
  cluster: string;
  repo: { owner: string; name: string; cloneUrl: string };
  /** The 40-hex commit SHA to build. */
  revision: string;
  ref: string;
  /**
   * The build context inside the repository (`kli8nt.io/source-path`);
   * absent: the root. `dockerfilePath` is relative to it.
   */
  sourcePath?: string;
  dockerfilePath?: string;
  buildArgs: Record<string, string>;
  /**
   * The settings when the build was requested; informational only: the
   * portal rolls the image out with the settings current when it is built.
   */
  config: AppConfig;
  /** The per-build Secret holding the clone token, when the repo needs one. */
  cloneSecretName?: string;
  /**
   * Set by a CancelRequested (under its own field manager). A cancel that
   * arrives before its build request leaves a placeholder Build with only
   * deploymentId, app, cluster and this, so the request never starts.
   */
  cancelled?: boolean;
}

export type BuildPhase =
  | 'Pending'
  | 'Building'
  | 'Succeeded'
  | 'Failed'
  | 'Cancelled';

export const TERMINAL_PHASES: readonly BuildPhase[] = [
  'Succeeded',
  'Failed',
  'Cancelled',
];

export function isTerminalPhase(phase: BuildPhase | undefined): boolean {
  return phase !== undefined && TERMINAL_PHASES.includes(phase);
}

export interface BuildCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** Condition types on a Build. */
export const CONDITIONS = {
  /** Tekton-style: Unknown while running, True or False once finished. */
  succeeded: 'Succeeded',
  /** True once the current phase was published; the reason is that phase. */
  reported: 'Reported',
} as const;

export interface BuildStatus {
  phase?: BuildPhase;
  observedGeneration?: number;
  jobName?: string;
  startedAt?: string;
  finishedAt?: string;
  image?: string;
  imageDigest?: string;
  plan?: BuildPlanReport;
  /** Machine code of a failure, e.g. `BuildFailed`, `DeadlineExceeded`. */
  reason?: string;
  message?: string;
  conditions?: BuildCondition[];
  /**
   * The key of this Build's report ids (`runtime/reportIds.ts`), random,
   * written before its first report is published.
   */
  reportKey?: string;
}

export interface BuildResource {
  apiVersion: typeof BUILD_API_VERSION;
  kind: typeof BUILD_KIND;
  /** Timestamps are strings on the wire: read them with `new Date(…)`. */
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: BuildSpec;
  status?: BuildStatus;
}

/** The deployment status reported for each build phase. */
export const REPORTED_STATUS: Record<BuildPhase, DeploymentStatus | undefined> =
  {
    Pending: undefined,
    Building: 'building',
    Succeeded: 'built',
    Failed: 'failed',
    Cancelled: 'cancelled',
  };
