import { useState } from 'react';
import {
  Alert,
  Button,
  Cell,
  CellText,
  Flex,
  Link,
  Table,
  Text,
  type ColumnConfig,
} from '@backstage/ui';
import { TitledCard } from '../shared/TitledCard';
import { useApi } from '@backstage/frontend-plugin-api';
import {
  isTerminalStatus,
  type Deployment,
  type DeploymentPage,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';
import { StatusText } from '../shared/StatusText';
import {
  formatDuration,
  formatRelative,
  formatUser,
  githubCommitUrl,
  shortSha,
} from '../shared/format';
import { totalDuration } from './steps';

type Action = 'redeploy' | 'rollback' | 'cancel';

const ACTION_LABELS: Record<Action, string> = {
  redeploy: 'Redeploy',
  rollback: 'Roll back',
  cancel: 'Cancel',
};

/** Which actions make sense for a deployment in the history. */
export function availableActions(
  deployment: Deployment,
  liveId: string | undefined,
): Action[] {
  if (!isTerminalStatus(deployment.status)) {
    return ['cancel'];
  }
  if (!deployment.image) {
    return [];
  }
  if (deployment.id === liveId) {
    return ['redeploy'];
  }
  if (deployment.status === 'live' || deployment.status === 'superseded') {
    return ['rollback'];
  }
  return ['redeploy'];
}

/** Paged deployment history with redeploy, rollback and cancel. */
export function HistoryCard(props: {
  page: DeploymentPage | undefined;
  loading: boolean;
  error?: Error;
  liveId?: string;
  projectSlug?: string;
  canAct: boolean;
  now: number;
  pageNumber: number;
  hasNext: boolean;
  hasPrevious: boolean;
  onNext: () => void;
  onPrevious: () => void;
  onChanged: () => void;
}) {
  const api = useApi(kli8ntApiRef);
  const [pending, setPending] = useState<string | undefined>();
  const [actionError, setActionError] = useState<Error | undefined>();

  const run = async (action: Action, deployment: Deployment) => {
    setPending(`${action}:${deployment.id}`);
    setActionError(undefined);
    try {
      await api[action](deployment.id);
      props.onChanged();
    } catch (e) {
      setActionError(e as Error);
    } finally {
      setPending(undefined);
    }
  };

  const columns: ColumnConfig<Deployment>[] = [
    {
      id: 'commit',
      label: 'Commit',
      isRowHeader: true,
      cell: d => {
        const url = githubCommitUrl(props.projectSlug, d.commitSha);
        return (
          <Cell>
            {url ? (
              <Link href={url} target="_blank" rel="noopener noreferrer">
                {shortSha(d.commitSha)}
              </Link>
            ) : (
              <Text>{shortSha(d.commitSha)}</Text>
            )}
          </Cell>
        );
      },
    },
    {
      id: 'ref',
      label: 'Ref',
      // A monorepo app names the directory it was built from.
      cell: d => (
        <CellText title={d.sourcePath ? `${d.ref} · ${d.sourcePath}` : d.ref} />
      ),
    },
    {
      id: 'status',
      label: 'Status',
      cell: d => (
        <Cell>
          <StatusText status={d.status} />
        </Cell>
      ),
    },
    {
      id: 'duration',
      label: 'Duration',
      cell: d => (
        <CellText title={formatDuration(totalDuration(d, props.now))} />
      ),
    },
    {
      id: 'who',
      label: 'Who',
      // A push or a pull request links to what GitHub shows of it.
      cell: d =>
        d.triggerUrl ? (
          <Cell>
            <Link href={d.triggerUrl} target="_blank" rel="noopener noreferrer">
              {`${formatUser(d.requestedBy)} (${d.trigger})`}
            </Link>
          </Cell>
        ) : (
          <CellText title={formatUser(d.requestedBy)} />
        ),
    },
    {
      id: 'when',
      label: 'When',
      cell: d => <CellText title={formatRelative(d.createdAt, props.now)} />,
    },
    {
      id: 'actions',
      label: 'Actions',
      cell: d => (
        <Cell>
          <Flex gap="2">
            {availableActions(d, props.liveId).map(action => (
              <Button
                key={action}
                size="small"
                variant="secondary"
                destructive={action === 'cancel'}
                isDisabled={!props.canAct || pending !== undefined}
                isPending={pending === `${action}:${d.id}`}
                aria-label={`${ACTION_LABELS[action]} ${shortSha(d.commitSha)}`}
                onPress={() => run(action, d)}
              >
                {ACTION_LABELS[action]}
              </Button>
            ))}
          </Flex>
        </Cell>
      ),
    },
  ];

  return (
    <TitledCard title="History">
      <Flex direction="column" gap="3">
        {actionError && (
          <Alert
            status="danger"
            icon
            title="The action failed"
            description={actionError.message}
          />
        )}
        <Table
          columnConfig={columns}
          data={props.page?.items}
          isPending={props.loading && !props.page}
          error={props.error}
          pagination={{ type: 'none' }}
          emptyState={<Text>No deployments yet.</Text>}
        />
        <Flex justify="end" align="center" gap="2">
          <Button
            size="small"
            variant="tertiary"
            isDisabled={!props.hasPrevious}
            onPress={props.onPrevious}
          >
            Newer
          </Button>
          <Text variant="body-small">Page {props.pageNumber}</Text>
          <Button
            size="small"
            variant="tertiary"
            isDisabled={!props.hasNext}
            onPress={props.onNext}
          >
            Older
          </Button>
        </Flex>
      </Flex>
    </TitledCard>
  );
}
