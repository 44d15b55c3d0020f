import { useEffect, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import {
  Alert,
  Button,
  Checkbox,
  Flex,
  Grid,
  Link,
  Skeleton,
  Text,
  TextField,
} from '@backstage/ui';
import { useApi } from '@backstage/frontend-plugin-api';
import type { GitSettings } from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';
import { TitledCard } from '../shared/TitledCard';
import { fieldError } from './fieldError';

interface Form {
  branch: string;
  previews: boolean;
  limit: string;
  secrets: boolean;
}

/**
 * How often the live previews are read again: a webhook opens, updates or
 * closes one at any time, and its status moves on from queued to live.
 */
const PREVIEWS_REFRESH_MS = 10_000;

const toForm = (s: GitSettings): Form => ({
  branch: s.autoDeployBranch ?? '',
  previews: s.previews.enabled,
  limit: String(s.previews.limit),
  secrets: s.previews.secrets,
});

/**
 * Deploy on push (the branch to track, empty: off) and pull request
 * previews (on/off, how many at once, secrets or not), with the live
 * previews and their URLs. GitHub's webhook must point at the portal
 * (README "Deploy on push and previews").
 */
export function GitDeploysCard(props: {
  entityRef: string;
  canConfigure: boolean;
  /** Default {@link PREVIEWS_REFRESH_MS}. */
  previewsRefreshMs?: number;
}) {
  const api = useApi(kli8ntApiRef);
  const settings = useAsyncRetry(
    () => api.getGitSettings(props.entityRef),
    [api, props.entityRef],
  );
  const previews = useAsyncRetry(
    () => api.listPreviews(props.entityRef),
    [api, props.entityRef],
  );
  useInterval(previews.retry, props.previewsRefreshMs ?? PREVIEWS_REFRESH_MS);
  const [form, setForm] = useState<Form>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<Error>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (settings.value) setForm(toForm(settings.value));
  }, [settings.value]);

  const limit = Number(form?.limit);
  const limitError =
    form && (!Number.isInteger(limit) || limit < 1 || limit > 20)
      ? 'must be a whole number from 1 to 20'
      : undefined;

  const save = async () => {
    if (!form || limitError) return;
    setSaving(true);
    setError(undefined);
    setSaved(false);
    try {
      const next = await api.updateGitSettings(props.entityRef, {
        autoDeployBranch: form.branch.trim() || null,
        previews: { enabled: form.previews, limit, secrets: form.secrets },
      });
      setForm(toForm(next));
      setSaved(true);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setSaving(false);
    }
  };

  const readOnly = !props.canConfigure;
  return (
    <TitledCard title="Deploy on push and previews">
      <Flex direction="column" gap="3">
        {settings.error && (
          <Alert
            status="danger"
            icon
            title="Could not load the git settings"
            description={settings.error.message}
          />
        )}
        {!form && !settings.error && <Skeleton width="100%" height={80} />}
        {form && (
          <>
            <Grid.Root columns={{ initial: '1', md: '2' }} gap="3">
              <TextField
                label="Deploy on push to branch"
                description="Each push to it deploys its head; empty: off"
                placeholder="main"
                value={form.branch}
                isDisabled={readOnly}
                onChange={branch => setForm({ ...form, branch })}
              />
              <TextField
                label="Previews at once"
                description="Opening one more stops the oldest"
                value={form.limit}
                isDisabled={readOnly || !form.previews}
                onChange={value => setForm({ ...form, limit: value })}
                {...fieldError(limitError)}
              />
            </Grid.Root>
            <Checkbox
              isSelected={form.previews}
              isDisabled={readOnly}
              onChange={value => setForm({ ...form, previews: value })}
            >
              A preview app for each pull request against that branch
            </Checkbox>
            <Checkbox
              isSelected={form.secrets}
              isDisabled={readOnly || !form.previews}
              onChange={value => setForm({ ...form, secrets: value })}
            >
              Previews get the secrets (never a pull request from a fork)
            </Checkbox>
            {error && (
              <Alert
                status="danger"
                icon
                title="The git settings were not saved"
                description={error.message}
              />
            )}
            {saved && <Alert status="success" icon title="Saved." />}
            <Flex>
              <Button
                variant="primary"
                isDisabled={readOnly || Boolean(limitError)}
                isPending={saving}
                onPress={save}
              >
                Save git settings
              </Button>
            </Flex>
          </>
        )}
        <Text as="h4" variant="title-x-small">
          Live previews
        </Text>
        {previews.value?.length === 0 && <Text>No preview is running.</Text>}
        {previews.value?.map(p => (
          <Flex key={p.app} gap="2" align="center">
            <Link href={p.pullRequestUrl} target="_blank">
              #{p.pullRequest}
            </Link>
            <Text>
              {p.headRef} @ {p.commitSha.slice(0, 7)} · {p.status ?? 'queued'}
              {p.fromFork ? ' · fork, no secrets' : ''}
            </Text>
            {p.url && (
              <Link href={p.url} target="_blank">
                {p.url}
              </Link>
            )}
          </Flex>
        ))}
      </Flex>
    </TitledCard>
  );
}
