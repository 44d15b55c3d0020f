import { useCallback } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { Alert, Button, Flex } from '@backstage/ui';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  kli8ntAppConfigurePermission,
  kli8ntDeploymentCreatePermission,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';
import { GITHUB_PROJECT_SLUG_ANNOTATION } from '../shared/format';
import {
  isActive,
  useDeploymentHistory,
  useDeploymentUpdates,
  useNow,
} from '../shared/hooks';
import { DeleteAppCard } from './DeleteAppCard';
import { DeployControl } from './DeployControl';
import { GitDeploysCard } from './GitDeploysCard';
import { HistoryCard } from './HistoryCard';
import { OverviewCard } from './OverviewCard';
import { ProcessesCard, useImageProcesses } from './ProcessesCard';
import { ProgressCard } from './ProgressCard';
import { SettingsCard } from './SettingsCard';

const HISTORY_PAGE_SIZE = 10;

/** The Deploy tab of a catalog entity. */
export function DeployTab() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const projectSlug =
    entity.metadata.annotations?.[GITHUB_PROJECT_SLUG_ANNOTATION];
  const api = useApi(kli8ntApiRef);
  const canDeploy = usePermission({
    permission: kli8ntDeploymentCreatePermission,
    resourceRef: entityRef,
  });

  const canConfigure = usePermission({
    permission: kli8ntAppConfigurePermission,
    resourceRef: entityRef,
  });

  const recent = useAsyncRetry(
    () => api.listDeployments({ entityRef, limit: 20 }),
    [api, entityRef],
  );
  const history = useDeploymentHistory(entityRef, HISTORY_PAGE_SIZE);
  const latest = recent.value?.items[0];
  const live = recent.value?.items.find(d => d.status === 'live');
  const running = isActive(latest);
  const now = useNow(running);
  const processes = useImageProcesses(live ?? latest);

  const { retry: retryRecent } = recent;
  const { retry: retryHistory } = history;
  const refresh = useCallback(() => {
    retryRecent();
    retryHistory();
  }, [retryRecent, retryHistory]);
  useDeploymentUpdates(entityRef, running, refresh);

  if (recent.loading && !recent.value) {
    return <Progress />;
  }
  if (recent.error && !recent.value) {
    return (
      <Alert
        status="danger"
        icon
        title="Could not load the deployments"
        description={recent.error.message}
        customActions={
          <Button size="small" onPress={refresh}>
            Retry
          </Button>
        }
      />
    );
  }

  return (
    <Flex direction="column" gap="4">
      <OverviewCard
        deployments={recent.value?.items ?? []}
        projectSlug={projectSlug}
        now={now}
        noWebProcess={
          processes.processes &&
          !processes.processes.some(p => p.type === 'web')
        }
      />
      <DeployControl entityRef={entityRef} onDeployed={refresh} />
      {latest && <ProgressCard deployment={latest} />}
      {latest && <ProcessesCard processes={processes} />}
      <HistoryCard
        page={history.value}
        loading={history.loading}
        error={history.error}
        liveId={live?.id}
        projectSlug={projectSlug}
        canAct={Boolean(canDeploy.allowed)}
        now={now}
        pageNumber={history.page}
        hasNext={history.hasNext}
        hasPrevious={history.hasPrevious}
        onNext={history.next}
        onPrevious={history.previous}
        onChanged={refresh}
      />
      <SettingsCard entityRef={entityRef} />
      <GitDeploysCard
        entityRef={entityRef}
        canConfigure={Boolean(canConfigure.allowed)}
      />
      {latest && (
        <DeleteAppCard
          entityRef={entityRef}
          canDelete={Boolean(canConfigure.allowed)}
          onDeleted={refresh}
        />
      )}
    </Flex>
  );
}
