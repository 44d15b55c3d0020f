import type { DeploymentStatus } from '@kli8nt/backstage-plugin-kli8nt-common';

/** The annotation that marks an entity as deployable from GitHub. */
export const GITHUB_PROJECT_SLUG_ANNOTATION = 'github.com/project-slug';

export function shortSha(sha: string | undefined): string {
  return sha ? sha.slice(0, 7) : '';
}

export function githubCommitUrl(
  projectSlug: string | undefined,
  sha: string,
): string | undefined {
  return projectSlug
    ? `https://github.com/${projectSlug}/commit/${sha}`
    : undefined;
}

/** `1h 02m`, `3m 05s`, `42s`; durations below one second are `0s`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    return '';
  }
  const total = Math.floor(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) {
    return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  }
  if (minutes > 0) {
    return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
  }
  return `${seconds}s`;
}

/** `just now`, `5 minutes ago`, `3 days ago`. */
export function formatRelative(iso: string | undefined, now: number): string {
  if (!iso) {
    return '';
  }
  const diff = Math.max(0, now - Date.parse(iso));
  const minutes = Math.floor(diff / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** `user:default/jane` → `jane`. */
export function formatUser(entityRef: string): string {
  const match = /^(?:[^:]+:)?(?:[^/]+\/)?(.+)$/.exec(entityRef);
  return match ? match[1] : entityRef;
}

export const STATUS_LABELS: Record<DeploymentStatus, string> = {
  queued: 'Queued',
  building: 'Building',
  built: 'Built',
  deploying: 'Deploying',
  live: 'Live',
  failed: 'Failed',
  cancelled: 'Cancelled',
  superseded: 'Superseded',
};

const FAILURE_EXPLANATIONS: Record<string, string> = {
  ImagePullBackOff: 'The cluster could not pull the built image.',
  ErrImagePull: 'The cluster could not pull the built image.',
  CrashLoopBackOff:
    'The app keeps crashing right after it starts. Its runtime logs usually say why.',
  ProgressDeadlineExceeded:
    'The new version did not become ready in time. Check that the app listens on the configured port and that its health check path answers.',
  OOMKilled: 'The app ran out of memory and was stopped.',
  FailedScheduling: 'The cluster has no room to run the app right now.',
  Unschedulable: 'The cluster has no room to run the app right now.',
  NoStackDetected:
    'Kli8nt could not tell how to build this repository. Add a Dockerfile or a supported project file (such as package.json).',
  CloneFailed: 'The repository could not be cloned at the requested commit.',
  BuildFailed: 'The image build failed. The build logs show the failing step.',
  BuildDeadlineExceeded: 'The build took too long and was stopped.',
  DeadlineExceeded: 'The build took too long and was stopped.',
  PushFailed: 'The built image could not be pushed to the registry.',
  RefNotFound: 'The requested branch, tag or commit does not exist.',
  InvalidConfig: 'The app settings are invalid.',
};

/**
 * A failure explained in plain words, with the technical details apart so
 * that the page can show both.
 */
export function explainFailure(
  reason: string | undefined,
  message: string | undefined,
): { summary: string; details?: string } {
  const known = reason ? FAILURE_EXPLANATIONS[reason] : undefined;
  if (known) {
    return {
      summary: known,
      details: message ? `${reason}: ${message}` : reason,
    };
  }
  if (message) {
    return { summary: message, details: reason };
  }
  if (reason) {
    return { summary: `The deployment failed (${reason}).` };
  }
  return { summary: 'The deployment failed for an unknown reason.' };
}
