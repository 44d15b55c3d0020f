import {
  Alert,
  Button,
  Flex,
  Grid,
  Skeleton,
  Text,
  TextAreaField,
  TextField,
} from '@backstage/ui';
import { TitledCard } from '../shared/TitledCard';
import { DomainStates } from './DomainStates';
import { fieldError } from './fieldError';
import { NameValueRows } from './NameValueRows';
import { rowKey, type FormErrors, type SettingsForm } from './settingsForm';
import { useSettingsForm } from './useSettingsForm';

/** Port, replicas, health path and custom domains. */
function RuntimeSection(props: {
  form: SettingsForm;
  errors: FormErrors;
  readOnly: boolean;
  update: (patch: Partial<SettingsForm>) => void;
}) {
  const { form, errors, readOnly, update } = props;
  /** Binds a field to one text value of the form. */
  const bind = (key: 'port' | 'replicas' | 'healthCheckPath' | 'domains') => ({
    value: form[key],
    onChange: (value: string) => update({ [key]: value }),
    isDisabled: readOnly,
    ...fieldError(errors[key]),
  });
  return (
    <>
      <Grid.Root columns={{ initial: '1', md: '3' }} gap="3">
        <TextField
          label="Port"
          description="The port your app listens on"
          {...bind('port')}
        />
        <TextField label="Replicas" {...bind('replicas')} />
        <TextField
          label="Health check path"
          placeholder="/healthz"
          {...bind('healthCheckPath')}
        />
      </Grid.Root>
      <TextAreaField
        label="Custom domains"
        description="One per line; point their DNS at the cluster's ingress. Each is routed once its TXT record is verified."
        {...bind('domains')}
      />
    </>
  );
}

/** Port, replicas, health path, domains and env vars of the app. */
export function SettingsCard(props: { entityRef: string }) {
  const settings = useSettingsForm(props.entityRef);
  const { form, errors, readOnly, update } = settings;

  let body: React.ReactNode;
  if (settings.loading && !form) {
    body = <Skeleton width="100%" height={120} />;
  } else if (settings.loadError && !form) {
    body = (
      <Alert
        status="danger"
        icon
        title="Could not load the settings"
        description={settings.loadError.message}
        customActions={
          <Button size="small" onPress={settings.retry}>
            Retry
          </Button>
        }
      />
    );
  } else if (form) {
    body = (
      <Flex direction="column" gap="4">
        {readOnly && !settings.permissionLoading && (
          <Text color="secondary" variant="body-small">
            You do not have permission to change the settings of this service.
          </Text>
        )}
        <RuntimeSection
          form={form}
          errors={errors}
          readOnly={readOnly}
          update={update}
        />
        <DomainStates
          states={settings.domainStates}
          readOnly={readOnly}
          verifying={settings.verifying}
          verifyError={settings.verifyError}
          onVerify={settings.verifyDomains}
        />
        <NameValueRows
          title="Environment variables"
          noun="variable"
          emptyText="No environment variables."
          field="env"
          rows={form.env}
          errors={errors}
          readOnly={readOnly}
          newRow={() => ({ key: rowKey(), name: '', value: '' })}
          onChange={env => update({ env })}
        />
        <NameValueRows
          title="Secrets"
          noun="secret"
          description="Secret values are encrypted and never shown again; enter a new value to replace one."
          field="secrets"
          rows={form.secrets}
          errors={errors}
          readOnly={readOnly}
          secret
          newRow={() => ({
            key: rowKey(),
            name: '',
            value: '',
            stored: false,
            removed: false,
          })}
          onChange={secrets => update({ secrets })}
        />

        {settings.otherErrors.map(([field, message]) => (
          <Text key={field} color="danger" variant="body-small">
            {field}: {message}
          </Text>
        ))}
        {settings.saveError && (
          <Alert
            status="danger"
            icon
            title="The settings were not saved"
            description={settings.saveError.message}
          />
        )}
        {settings.conflict && (
          <Alert
            status="warning"
            icon
            title="These settings were changed by someone else since you opened them"
            description="Your edits were not saved and are still in the form. Reload to see their settings (this replaces your edits), then apply your change again."
            customActions={
              <Button size="small" onPress={settings.retry}>
                Reload
              </Button>
            }
          />
        )}
        {settings.saved && (
          <Alert status="success" icon title="Settings saved." />
        )}
        <Flex justify="end" gap="2">
          <Button
            variant="secondary"
            isDisabled={readOnly || settings.saving}
            onPress={settings.reset}
          >
            Reset
          </Button>
          <Button
            variant="primary"
            isDisabled={readOnly || !settings.request || settings.saving}
            isPending={settings.saving}
            onPress={settings.save}
          >
            Save settings
          </Button>
        </Flex>
      </Flex>
    );
  }

  return <TitledCard title="Settings">{body}</TitledCard>;
}
