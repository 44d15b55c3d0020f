import useAsync from 'react-use/esm/useAsync';
import { Alert, Flex, Link, Skeleton, Text } from '@backstage/ui';
import { TitledCard } from '../shared/TitledCard';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  isTerminalStatus,
  type Deployment,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';
import { explainFailure, formatDuration, shortSha } from '../shared/format';
import { useNow } from '../shared/hooks';
import { useLogsLink } from '../shared/useLogsLink';
import { deploymentSteps, type StepState } from './steps';

const STATE_MARKS: Record<StepState, string> = {
  done: '✓',
  active: '●',
  pending: '○',
  failed: '✕',
  skipped: '–',
};

/** Clusters take a request within seconds; past this, say what to check. */
export const UNCLAIMED_AFTER_MS = 60_000;

const STATE_COLORS: Record<
  StepState,
  'success' | 'info' | 'secondary' | 'danger'
> = {
  done: 'success',
  active: 'info',
  pending: 'secondary',
  failed: 'danger',
  skipped: 'secondary',
};

/**
 * The progress of one deployment as steps with durations; for a failed one
 * the reason in plain words. `deployment` is the summary from the list; its
 * status and update time change when a status change is pushed, which
 * reloads the recorded events.
 */
export function ProgressCard(props: { deployment: Deployment }) {
  const { deployment } = props;
  const api = useApi(kli8ntApiRef);
  // Reloaded whenever the summary moves on (a pushed status change).
  const details = useAsync(
    () => api.getDeployment(deployment.id),
    [api, deployment.id, deployment.status, deployment.updatedAt],
  );

  const running = !isTerminalStatus(deployment.status);
  const now = useNow(running);
  const logsLink = useLogsLink(deployment.id);
  const current = details.value ?? { ...deployment, events: [] };
  const steps = deploymentSteps(
    { ...current, status: deployment.status },
    current.events,
    now,
  );
  const failure =
    deployment.status === 'failed'
      ? explainFailure(
          deployment.failureReason ?? current.failureReason,
          deployment.failureMessage ?? current.failureMessage,
        )
      : undefined;
  const unclaimedMs =
    deployment.status === 'queued' ? now - Date.parse(deployment.createdAt) : 0;

  return (
    <TitledCard
      title={
        <>
          {running ? 'Deployment in progress' : 'Latest deployment'} ·{' '}
          {deployment.ref} @ {shortSha(deployment.commitSha)}
        </>
      }
      action={<Link href={logsLink}>View logs</Link>}
    >
      <Flex direction="column" gap="3">
        {details.loading && !details.value ? (
          <Skeleton width="100%" height={24} />
        ) : (
          <ol
            aria-label="Deployment steps"
            style={{
              display: 'flex',
              gap: 24,
              listStyle: 'none',
              margin: 0,
              padding: 0,
              flexWrap: 'wrap',
            }}
          >
            {steps.map(step => (
              <li
                key={step.key}
                data-testid={`kli8nt-step-${step.key}`}
                data-state={step.state}
                aria-current={step.state === 'active' ? 'step' : undefined}
              >
                <Flex gap="2" align="center">
                  <Text color={STATE_COLORS[step.state]} weight="bold">
                    {STATE_MARKS[step.state]}
                  </Text>
                  <Text weight={step.state === 'active' ? 'bold' : 'regular'}>
                    {step.label}
                  </Text>
                  {step.durationMs !== undefined && (
                    <Text color="secondary" variant="body-small">
                      {formatDuration(step.durationMs)}
                    </Text>
                  )}
                  {step.state === 'skipped' && (
                    <Text color="secondary" variant="body-small">
                      skipped
                    </Text>
                  )}
                </Flex>
              </li>
            ))}
          </ol>
        )}
        {failure && (
          <Alert
            status="danger"
            icon
            title={failure.summary}
            description={
              <>
                {failure.details && (
                  // A build's last log lines keep their line breaks.
                  <div style={{ whiteSpace: 'pre-wrap' }}>
                    {failure.details}
                  </div>
                )}
                <Link href={logsLink}>Open the logs of this deployment</Link>
              </>
            }
          />
        )}
        {unclaimedMs > UNCLAIMED_AFTER_MS && (
          <Alert
            status="warning"
            icon
            title={`No build controller has taken this deployment (queued for ${formatDuration(
              unclaimedMs,
            )})`}
            description={`Nothing consumes the build queue of cluster '${deployment.cluster}'. Check that its build controller runs: 'scripts/platform status' on the quick start, or the kli8nt chart's build Deployment in that cluster. The request is kept and starts as soon as a controller is back.`}
          />
        )}
        {details.error && (
          <Text color="warning" variant="body-small">
            Could not load the step history: {details.error.message}
          </Text>
        )}
      </Flex>
    </TitledCard>
  );
}
