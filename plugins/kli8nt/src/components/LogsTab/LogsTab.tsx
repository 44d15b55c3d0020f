import { useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import { Alert, Button, Flex, Select, Text } from '@backstage/ui';
import { LogViewer, Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  kli8ntLogsReadPermission,
  type LogSource,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';
import { STATUS_LABELS, formatRelative, shortSha } from '../shared/format';
import { LogTextBuilder, origins, type LogFilter } from './logText';
import type { LogStreamState } from './LogStreamSession';
import { useFollowTail } from './useFollowTail';
import { useLogStream } from './useLogStream';

const ALL = '__all__';

const STATUS_TEXT: Record<LogStreamState['status'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  error: 'Disconnected',
  closed: 'Closed',
};

const STATUS_COLORS: Record<
  LogStreamState['status'],
  'success' | 'danger' | 'warning'
> = {
  connecting: 'warning',
  live: 'success',
  reconnecting: 'warning',
  error: 'danger',
  closed: 'warning',
};

function optional(key: unknown): string | undefined {
  return key && key !== ALL ? String(key) : undefined;
}

function downloadText(text: string, fileName: string) {
  // Strip ANSI escapes so the file reads well in any editor.
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  const url = URL.createObjectURL(new Blob([plain], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  URL.revokeObjectURL(url);
}

/** The Logs tab of a catalog entity. */
export function LogsTab(props: {
  webSocketFactory?: (url: string, protocols: string[]) => WebSocket;
}) {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const api = useApi(kli8ntApiRef);
  const permission = usePermission({
    permission: kli8ntLogsReadPermission,
    resourceRef: entityRef,
  });
  const [searchParams, setSearchParams] = useSearchParams();
  const deploymentId = searchParams.get('deployment') ?? undefined;
  const deployments = useAsync(
    () => api.listDeployments({ entityRef, limit: 50 }),
    [api, entityRef],
  );

  if (permission.loading) {
    return <Progress />;
  }
  if (!permission.allowed) {
    return (
      <Alert
        status="warning"
        icon
        title="You do not have permission to read the logs of this service."
      />
    );
  }

  const chooseDeployment = (id: string | undefined) => {
    const next = new URLSearchParams(searchParams);
    if (id) next.set('deployment', id);
    else next.delete('deployment');
    setSearchParams(next, { replace: true });
  };
  const now = Date.now();
  const deploymentOptions = [
    { id: ALL, label: 'All deployments' },
    ...(deployments.value?.items ?? []).map(d => ({
      id: d.id,
      label: `${d.ref} @ ${shortSha(d.commitSha)} · ${
        STATUS_LABELS[d.status]
      } · ${formatRelative(d.createdAt, now)}`,
    })),
  ];
  if (deploymentId && !deploymentOptions.some(o => o.id === deploymentId)) {
    deploymentOptions.push({ id: deploymentId, label: deploymentId });
  }

  return (
    <LogStreamView
      // A new stream per deployment: its own lines, offsets and filters.
      key={deploymentId ?? ALL}
      entityRef={entityRef}
      deploymentId={deploymentId}
      deploymentOptions={deploymentOptions}
      onChooseDeployment={chooseDeployment}
      webSocketFactory={props.webSocketFactory}
    />
  );
}

function LogStreamView(props: {
  entityRef: string;
  deploymentId?: string;
  deploymentOptions: { id: string; label: string }[];
  onChooseDeployment: (id: string | undefined) => void;
  webSocketFactory?: (url: string, protocols: string[]) => WebSocket;
}) {
  const api = useApi(kli8ntApiRef);
  const stream = useLogStream(api, {
    entityRef: props.entityRef,
    deploymentId: props.deploymentId,
    webSocketFactory: props.webSocketFactory,
  });
  const [source, setSource] = useState<LogSource | undefined>();
  const [pod, setPod] = useState<string | undefined>();
  const [container, setContainer] = useState<string | undefined>();
  // Paused with the button, or by scrolling up (until back at the end).
  const [paused, setPaused] = useState<
    { version: number; count: number; byScroll?: boolean } | undefined
  >();

  const builder = useRef(new LogTextBuilder());
  const seen = useRef({
    processed: 0,
    pods: new Set<string>(),
    containers: new Set<string>(),
  });
  const { lines, version } = stream;

  const { text, count, pods, containers } = useMemo(() => {
    const o = seen.current;
    if (lines.length < o.processed) {
      o.processed = 0;
      o.pods.clear();
      o.containers.clear();
    }
    origins(lines, o.processed, o);
    o.processed = lines.length;
    const filter: LogFilter = { source, pod, container };
    const withOrigin = o.pods.size > 1 || o.containers.size > 1;
    return {
      ...builder.current.build(lines, filter, withOrigin),
      pods: [...o.pods].sort(),
      containers: [...o.containers].sort(),
    };
    // `version` marks appends to the `lines` array, which is mutated in place.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [lines, version, source, pod, container]);

  // While paused the view keeps the text it had; new lines are counted.
  const frozen = useRef<string>('');
  if (!paused) frozen.current = text;
  const shown = paused ? frozen.current : text;
  const newWhilePaused = paused ? Math.max(0, count - paused.count) : 0;
  const followRef = useFollowTail({
    following: !paused,
    text: shown,
    onScrolledUp: () => setPaused(p => p ?? { version, count, byScroll: true }),
    onScrolledToEnd: () => setPaused(p => (p?.byScroll ? undefined : p)),
  });

  return (
    <Flex direction="column" gap="3">
      <Flex gap="3" align="end" style={{ flexWrap: 'wrap' }}>
        <Select
          label="Deployment"
          options={props.deploymentOptions}
          value={props.deploymentId ?? ALL}
          onChange={key => props.onChooseDeployment(optional(key))}
          style={{ minWidth: 280 }}
        />
        <Select
          label="Source"
          options={[
            { id: ALL, label: 'Build and runtime' },
            { id: 'build', label: 'Build' },
            { id: 'runtime', label: 'Runtime' },
          ]}
          value={source ?? ALL}
          onChange={key => setSource(optional(key) as LogSource | undefined)}
        />
        <Select
          label="Pod"
          options={[
            { id: ALL, label: 'All pods' },
            ...pods.map(p => ({ id: p, label: p })),
          ]}
          value={pod ?? ALL}
          onChange={key => setPod(optional(key))}
        />
        <Select
          label="Container"
          options={[
            { id: ALL, label: 'All containers' },
            ...containers.map(c => ({ id: c, label: c })),
          ]}
          value={container ?? ALL}
          onChange={key => setContainer(optional(key))}
        />
        <Button
          variant="secondary"
          onPress={() => setPaused(p => (p ? undefined : { version, count }))}
        >
          {paused ? 'Follow' : 'Pause'}
        </Button>
      </Flex>
      <Flex gap="3" align="center">
        <Text
          variant="body-small"
          color={STATUS_COLORS[stream.status]}
          data-testid="kli8nt-log-status"
        >
          {STATUS_TEXT[stream.status]}
        </Text>
        <Text variant="body-small" color="secondary">
          {count.toLocaleString('en-US')} lines
        </Text>
        {paused && (
          <Text variant="body-small" color="info">
            {paused.byScroll ? 'Scrolled up' : 'Paused'} ·{' '}
            {newWhilePaused.toLocaleString('en-US')} new lines
          </Text>
        )}
        {stream.dropped > 0 && (
          <Text variant="body-small" color="warning">
            {stream.dropped.toLocaleString('en-US')} lines were skipped because
            the stream fell behind
          </Text>
        )}
        {stream.notReplayed > 0 && (
          <Text variant="body-small" color="secondary">
            {stream.notReplayed.toLocaleString('en-US')} older lines are not
            shown: the history is longer than the portal replays at once
          </Text>
        )}
      </Flex>
      {stream.error && <Alert status="danger" icon title={stream.error} />}
      {count === 0 && stream.status !== 'error' ? (
        <Text color="secondary">
          {stream.status === 'live'
            ? 'No log lines yet. New lines appear here as they are written.'
            : 'Waiting for the log stream…'}
        </Text>
      ) : (
        <div
          ref={followRef}
          style={{ height: 560 }}
          data-testid="kli8nt-log-viewer"
        >
          <LogViewer
            text={shown}
            onDownloadLog={() =>
              downloadText(
                shown,
                `${props.entityRef.replace(/[^A-Za-z0-9_.-]+/g, '_')}${
                  props.deploymentId ? `-${props.deploymentId}` : ''
                }.log`,
              )
            }
          />
        </div>
      )}
    </Flex>
  );
}
