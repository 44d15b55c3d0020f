import { Flex, Grid, Link, Text } from '@backstage/ui';
import { TitledCard } from '../shared/TitledCard';
import type { Deployment } from '@kli8nt/backstage-plugin-kli8nt-common';
import { StatusText } from '../shared/StatusText';
import {
  formatRelative,
  formatUser,
  githubCommitUrl,
  shortSha,
} from '../shared/format';

function Field(props: { label: string; children: React.ReactNode }) {
  return (
    <Flex direction="column" gap="1">
      <Text variant="body-small" color="secondary">
        {props.label}
      </Text>
      <div>{props.children}</div>
    </Flex>
  );
}

function LiveUrl(props: { url?: string; noWebProcess?: boolean }) {
  if (props.noWebProcess) {
    // A worker-only app is never served: say why rather than "Not live".
    return (
      <Text color="secondary">
        This app has no web process, so it has no URL.
      </Text>
    );
  }
  if (!props.url) {
    return <Text color="secondary">Not live</Text>;
  }
  return (
    <Link href={props.url} target="_blank" rel="noopener noreferrer">
      {props.url}
    </Link>
  );
}

/**
 * The state of the app at a glance: where it is live, which commit and
 * image run there, the status of the newest deployment, who deployed and
 * when.
 */
export function OverviewCard(props: {
  deployments: Deployment[];
  projectSlug?: string;
  now: number;
  /** The running image has processes, none of them web: it has no URL. */
  noWebProcess?: boolean;
}) {
  const { deployments, projectSlug, now, noWebProcess } = props;
  const latest = deployments[0];
  const live = deployments.find(d => d.status === 'live');

  if (!latest) {
    return (
      <TitledCard title="Not deployed yet">
        <Text>
          This service has never been deployed. Pick a branch below and press
          Deploy to build it and serve it on its own URL.
        </Text>
      </TitledCard>
    );
  }

  const running = live ?? latest;
  const commitUrl = githubCommitUrl(projectSlug, running.commitSha);
  return (
    <TitledCard title="At a glance">
      <Grid.Root columns={{ initial: '1', sm: '2', md: '3' }} gap="4">
        <Field label="Live URL">
          <LiveUrl url={live?.url} noWebProcess={noWebProcess} />
        </Field>
        <Field label="Status">
          <StatusText status={latest.status} />
        </Field>
        <Field label={live ? 'Running commit' : 'Latest commit'}>
          {commitUrl ? (
            <Link href={commitUrl} target="_blank" rel="noopener noreferrer">
              {shortSha(running.commitSha)}
            </Link>
          ) : (
            <Text>{shortSha(running.commitSha)}</Text>
          )}
          <Text color="secondary"> ({running.ref})</Text>
        </Field>
        <Field label="Image">
          <Text truncate title={running.image}>
            {running.image ?? 'Not built yet'}
          </Text>
        </Field>
        <Field label="Deployed by">
          <Text>{formatUser(running.requestedBy)}</Text>
        </Field>
        <Field label="When">
          <Text title={running.finishedAt ?? running.createdAt}>
            {formatRelative(running.finishedAt ?? running.createdAt, now)}
          </Text>
        </Field>
      </Grid.Root>
    </TitledCard>
  );
}
