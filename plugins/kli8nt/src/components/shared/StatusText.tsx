import { Text } from '@backstage/ui';
import type { DeploymentStatus } from '@kli8nt/backstage-plugin-kli8nt-common';
import { STATUS_LABELS } from './format';

const COLORS: Record<
  DeploymentStatus,
  'success' | 'danger' | 'warning' | 'info' | 'secondary'
> = {
  queued: 'info',
  building: 'info',
  built: 'info',
  deploying: 'info',
  live: 'success',
  failed: 'danger',
  cancelled: 'warning',
  superseded: 'secondary',
};

/** A deployment status as a coloured word. */
export function StatusText(props: { status: DeploymentStatus }) {
  return (
    <Text
      weight="bold"
      color={COLORS[props.status]}
      data-testid="kli8nt-status"
      data-status={props.status}
    >
      {STATUS_LABELS[props.status]}
    </Text>
  );
}
