import { Alert, Button, Flex, Text } from '@backstage/ui';
import type { DomainState } from '@kli8nt/backstage-plugin-kli8nt-common';

/**
 * The saved custom domains: a verified one is routed; a pending one shows
 * the TXT record to create and why the last check did not find it.
 */
export function DomainStates(props: {
  states: DomainState[];
  readOnly: boolean;
  verifying: boolean;
  verifyError?: Error;
  onVerify: () => void;
}) {
  const { states } = props;
  if (states.length === 0) return null;
  const pending = states.some(s => s.status === 'pending');
  return (
    <Flex direction="column" gap="2" aria-label="Custom domain verification">
      {states.map(s => (
        <Flex key={s.domain} direction="column" gap="1">
          <Text variant="body-small">
            <strong>{s.domain}</strong>:{' '}
            {s.status === 'verified'
              ? 'verified, routed to the app'
              : 'pending, not routed until verified'}
          </Text>
          {s.status === 'pending' && s.record && (
            <Text color="secondary" variant="body-small">
              Add the DNS record <code>{s.record.name}</code> {s.record.type}{' '}
              <code>{s.record.value}</code>
            </Text>
          )}
          {s.reason && (
            <Text color="warning" variant="body-small">
              {s.reason}
            </Text>
          )}
        </Flex>
      ))}
      {props.verifyError && (
        <Alert
          status="danger"
          icon
          title="The domains were not checked"
          description={props.verifyError.message}
        />
      )}
      {pending && (
        <Flex justify="start">
          <Button
            size="small"
            variant="secondary"
            isDisabled={props.readOnly || props.verifying}
            isPending={props.verifying}
            onPress={props.onVerify}
          >
            Check DNS records
          </Button>
        </Flex>
      )}
    </Flex>
  );
}
