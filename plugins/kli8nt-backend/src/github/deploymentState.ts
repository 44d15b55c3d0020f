import { DeploymentStatus } from '@kli8nt/backstage-plugin-kli8nt-common';
import { GithubDeploymentState } from './GithubGateway';

const STATES: Record<DeploymentStatus, GithubDeploymentState> = {
  queued: 'queued',
  building: 'in_progress',
  built: 'in_progress',
  deploying: 'in_progress',
  live: 'success',
  failed: 'failure',
  cancelled: 'error',
  superseded: 'inactive',
};

/** The GitHub deployment status that mirrors a Kli8nt status. */
export function githubDeploymentState(
  status: DeploymentStatus,
): GithubDeploymentState {
  return STATES[status];
}

/** A status description of at most 140 characters, as GitHub requires. */
export function githubDescription(
  status: DeploymentStatus,
  reason?: string,
  message?: string,
): string {
  const detail = [reason, message].filter(Boolean).join(': ');
  const text = detail ? `${status} - ${detail}` : status;
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}
