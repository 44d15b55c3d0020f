import { appNameSchema, fnv1a32 } from '@kli8nt/backstage-plugin-kli8nt-common';
import { StoredAppSettings } from '../database/types';
import { GitSettingsRecord } from './GitStore';
import { PullRequestEvent, PushEvent } from './payloads';

/*
 * Pure decisions of git-driven deploys: which apps a push deploys, what a
 * pull request event does to its preview, and the preview's name.
 */

/** GitHub lists at most 20 commits in a push payload; more may be cut. */
const MAX_LISTED_COMMITS = 20;

export type Decision<T> = T | { skip: string };

/**
 * Whether a push deploys the app of `settings`: a push of a branch (not a
 * deletion) to the branch the app tracks. `touches` says whether the
 * pushed paths touch the app's source path (monorepos); a push that lists
 * no paths, or may have been cut at GitHub's limit, always deploys.
 */
export function pushDecision(
  push: PushEvent,
  settings: GitSettingsRecord,
  touches: (paths: string[]) => boolean,
): Decision<{ deploy: string }> {
  if (!settings.autoDeployBranch) return { skip: 'auto-deploy is off' };
  if (!push.branch) return { skip: 'not a branch push' };
  if (push.branch !== settings.autoDeployBranch) {
    return {
      skip: `pushed to ${push.branch}, the app tracks ${settings.autoDeployBranch}`,
    };
  }
  if (push.deleted) return { skip: 'the branch was deleted' };
  const listed =
    push.commitCount > 0 &&
    push.commitCount < MAX_LISTED_COMMITS &&
    push.changedPaths.length > 0;
  if (listed && !touches(push.changedPaths)) {
    return { skip: "the push changed nothing under the app's source path" };
  }
  return { deploy: push.after };
}

export type PreviewAction =
  | { kind: 'deploy'; secrets: boolean }
  | { kind: 'teardown' };

/**
 * What a pull request event does: opened, reopened or updated against the
 * tracked branch (the auto-deploy branch, else the default branch) with
 * previews on → deploy the head; closed (merged or not) → tear down.
 * Secrets only when the settings say so, and never for a fork.
 */
export function previewDecision(
  pr: PullRequestEvent,
  settings: GitSettingsRecord,
): Decision<PreviewAction> {
  if (pr.action === 'closed') return { kind: 'teardown' };
  if (!['opened', 'reopened', 'synchronize'].includes(pr.action)) {
    return { skip: `action ${pr.action} changes no code` };
  }
  if (!settings.previews.enabled) return { skip: 'previews are off' };
  const tracked = settings.autoDeployBranch ?? pr.defaultBranch;
  if (pr.baseRef !== tracked) {
    return {
      skip: `the pull request targets ${pr.baseRef}, the app tracks ${
        tracked ?? 'no branch'
      }`,
    };
  }
  return {
    kind: 'deploy',
    secrets: settings.previews.secrets && !pr.fromFork,
  };
}

/**
 * A preview's settings, taken from its parent's current ones at every deploy
 * (opened, reopened, updated): the same env, port, replicas and resources;
 * no custom domains (they name the parent); secrets only when `secrets`
 * (see {@link previewDecision}).
 */
export function previewSettings(
  parent: StoredAppSettings,
  secrets: boolean,
): StoredAppSettings {
  return {
    ...parent,
    domains: [],
    secretEnv: secrets ? parent.secretEnv : {},
  };
}

/**
 * The app name of a pull request's preview: `pr-<n>--<app>`, one DNS label
 * so the apps domain's wildcard certificate covers its host. Too long for a
 * label (63): the app part is cut and the FNV-1a hash of the full app name
 * keeps different apps apart.
 */
export function previewAppName(number: number, app: string): string {
  const prefix = `pr-${number}--`;
  const full = `${prefix}${app}`;
  if (full.length <= 63) return appNameSchema.parse(full);
  const hash = fnv1a32(app);
  const cut = app.slice(0, 63 - prefix.length - hash.length - 1);
  return appNameSchema.parse(`${prefix}${cut.replace(/-+$/, '')}-${hash}`);
}

/**
 * The previews to stop so that one more fits under `limit`, oldest first;
 * `existing` is ordered oldest first and does not hold the new one.
 */
export function previewsToStop<T>(existing: readonly T[], limit: number): T[] {
  return existing.slice(0, Math.max(0, existing.length - limit + 1));
}
