import useAsync from 'react-use/esm/useAsync';
import { Alert, Flex, Skeleton, Text, VisuallyHidden } from '@backstage/ui';
import { useApi } from '@backstage/frontend-plugin-api';
import type {
  Deployment,
  Process,
  ProcessReadiness,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';
import { TitledCard } from '../shared/TitledCard';

/** A process as shown; without `command` it runs the image's own command. */
type ShownProcess = Omit<Process, 'command'> & { command?: string[] };

/**
 * The processes of the deployment's image, from its details (the list does
 * not carry them): `undefined` until they are known. An image whose build
 * named none runs one web process with the image's own command.
 */
export function useImageProcesses(deployment: Deployment | undefined) {
  const api = useApi(kli8ntApiRef);
  const built = Boolean(deployment?.image);
  const details = useAsync(
    async () =>
      deployment && built ? api.getDeployment(deployment.id) : undefined,
    // Reloaded when the deployment moves on (a pushed status change).
    [api, deployment?.id, built, deployment?.updatedAt],
  );
  // As the deploy side does (planProcesses in kli8nt-common).
  const processes: ShownProcess[] | undefined = details.value
    ? details.value.processes ?? [{ name: 'web', type: 'web' }]
    : undefined;
  return {
    built,
    processes,
    readiness: details.value?.readiness,
    error: details.error,
  };
}

const KINDS: Record<Process['type'], { label: string; what: string }> = {
  web: { label: 'Web', what: "Serves HTTP at the app's URL." },
  worker: {
    label: 'Worker',
    what: 'Runs in the background, without a URL.',
  },
  release: {
    label: 'Release',
    what: 'Runs once before each rollout (such as database migrations); if it fails, the rollout stops and the running version keeps serving.',
  },
};

/**
 * How many pods of a long-running process were ready when the deploy
 * controller reported; a release runs as a Job and has no count.
 */
function ReadyCount(props: {
  process: ShownProcess;
  readiness: ProcessReadiness[] | undefined;
}) {
  if (props.process.type === 'release') return null;
  const count = props.readiness?.find(r => r.process === props.process.name);
  if (!count) {
    // Not "yet": a deployment live before the controller counted pods gets
    // no further report.
    return (
      <Text variant="body-small" color="secondary">
        · ready pods not reported
      </Text>
    );
  }
  if (count.desired === 0) {
    return (
      <Text variant="body-small" color="secondary">
        · scaled to 0
      </Text>
    );
  }
  const allReady = count.ready >= count.desired;
  // The colour says it at a glance; the hidden words say it to a screen
  // reader (colour alone tells nobody who cannot see it).
  return (
    <>
      <Text
        variant="body-small"
        weight="bold"
        color={allReady ? 'success' : 'danger'}
      >
        · {count.ready}/{count.desired} ready
      </Text>
      <VisuallyHidden>
        {allReady ? ', all ready' : ', not all ready'}
      </VisuallyHidden>
    </>
  );
}

/** An argument vector as one would type it in a POSIX shell. */
export function formatCommand(command: string[]): string {
  return command
    .map(arg =>
      /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`,
    )
    .join(' ');
}

/** What the running (or newest) image runs: each process, its kind and command. */
export function ProcessesCard(props: {
  processes: ReturnType<typeof useImageProcesses>;
}) {
  const { built, processes, readiness, error } = props.processes;
  let body;
  if (!built) {
    body = (
      <Text color="secondary">
        The processes are known once the image is built.
      </Text>
    );
  } else if (error) {
    body = (
      <Alert
        status="danger"
        icon
        title="Could not load the processes"
        description={error.message}
      />
    );
  } else if (!processes) {
    body = <Skeleton width="100%" height={48} />;
  } else {
    body = (
      <Flex direction="column" gap="2">
        <ul
          aria-label="Processes"
          style={{ listStyle: 'none', margin: 0, padding: 0 }}
        >
          {processes.map(p => (
            <li key={p.name} data-testid={`kli8nt-process-${p.name}`}>
              <Flex direction="column" gap="1" style={{ marginBottom: 12 }}>
                <Flex gap="2" align="center">
                  <Text weight="bold">{p.name}</Text>
                  <Text color="secondary">{KINDS[p.type].label}</Text>
                  <ReadyCount process={p} readiness={readiness} />
                </Flex>
                <Text variant="body-small">{KINDS[p.type].what}</Text>
                {p.command ? (
                  <code>{formatCommand(p.command)}</code>
                ) : (
                  <Text variant="body-small" color="secondary">
                    Runs the image&apos;s own command.
                  </Text>
                )}
              </Flex>
            </li>
          ))}
        </ul>
        {readiness && (
          <Text variant="body-small" color="secondary">
            Ready pods as the deploy controller counted them in its last report
            on this deployment, not a live count.
          </Text>
        )}
      </Flex>
    );
  }
  return <TitledCard title="Processes">{body}</TitledCard>;
}
