import { useEffect, useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { Alert, Button, Flex, Select, Text, TextField } from '@backstage/ui';
import { TitledCard } from '../shared/TitledCard';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  kli8ntDeploymentCreatePermission,
  type Deployment,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';

export const NOT_ALLOWED_TO_DEPLOY =
  'You do not have permission to deploy this service.';

/** The Deploy button with its branch / ref picker. */
export function DeployControl(props: {
  entityRef: string;
  onDeployed: (deployment: Deployment) => void;
}) {
  const { entityRef, onDeployed } = props;
  const api = useApi(kli8ntApiRef);
  const permission = usePermission({
    permission: kli8ntDeploymentCreatePermission,
    resourceRef: entityRef,
  });
  const branches = useAsync(
    () => api.listBranches(entityRef),
    [api, entityRef],
  );
  const [branch, setBranch] = useState<string | undefined>();
  const [customRef, setCustomRef] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<Error | undefined>();

  useEffect(() => {
    if (!branch && branches.value?.length) {
      const preferred =
        branches.value.find(b => b.isDefault) ?? branches.value[0];
      setBranch(preferred.name);
    }
  }, [branch, branches.value]);

  const ref = customRef.trim() || branch;
  const allowed = permission.allowed;
  let disabledReason: string | undefined;
  if (permission.loading) disabledReason = 'Checking your permissions…';
  else if (!allowed) disabledReason = NOT_ALLOWED_TO_DEPLOY;

  const deploy = async () => {
    setSubmitting(true);
    setError(undefined);
    try {
      onDeployed(await api.createDeployment({ entityRef, ref }));
      setCustomRef('');
    } catch (e) {
      setError(e as Error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <TitledCard title="Deploy">
      <Flex direction="column" gap="3">
        <Flex gap="3" align="end" style={{ flexWrap: 'wrap' }}>
          <Select
            label="Branch"
            aria-label="Branch"
            placeholder={
              branches.loading ? 'Loading branches…' : 'Default branch'
            }
            options={(branches.value ?? []).map(b => ({
              id: b.name,
              label: b.isDefault ? `${b.name} (default)` : b.name,
            }))}
            value={branch ?? null}
            onChange={key => setBranch(key ? String(key) : undefined)}
            isDisabled={!allowed || Boolean(customRef.trim())}
            style={{ minWidth: 220 }}
          />
          <TextField
            label="Or tag / commit SHA"
            placeholder="v1.2.3 or a commit SHA"
            value={customRef}
            onChange={setCustomRef}
            isDisabled={!allowed}
          />
          <Button
            variant="primary"
            onPress={deploy}
            isDisabled={Boolean(disabledReason) || submitting}
            isPending={submitting}
            aria-describedby={
              disabledReason ? 'kli8nt-deploy-disabled-reason' : undefined
            }
          >
            Deploy
          </Button>
        </Flex>
        {disabledReason && (
          <Text
            id="kli8nt-deploy-disabled-reason"
            color="secondary"
            variant="body-small"
          >
            {disabledReason}
          </Text>
        )}
        {branches.error && (
          <Text color="warning" variant="body-small">
            Could not load branches ({branches.error.message}); the default
            branch is deployed unless you enter a ref.
          </Text>
        )}
        {error && (
          <Alert
            status="danger"
            icon
            title="The deployment could not be started"
            description={error.message}
          />
        )}
      </Flex>
    </TitledCard>
  );
}
