import { useEffect, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import {
  Alert,
  Button,
  Card,
  CardBody,
  CardHeader,
  Flex,
  Grid,
  PasswordField,
  Skeleton,
  Text,
  TextAreaField,
  TextField,
} from '@backstage/ui';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import { kli8ntAppConfigurePermission } from '@internal/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';
import {
  formFromSettings,
  rowKey,
  validateForm,
  type SettingsForm,
} from './settingsForm';

const KNOWN_FIELDS = /^(port|replicas|healthCheckPath|domains|env\.|secrets\.)/;

/** Stored secrets show this instead of their value, which is write-only. */
export const MASKED_SECRET = '••••••••';

/**
 * Props that make a BUI field show `message` inline as it changes (an
 * explicit `isInvalid` would hide the message).
 */
function fieldError(message: string | undefined) {
  return {
    validate: () => message ?? null,
    validationBehavior: 'aria' as const,
  };
}

/** Port, replicas, health path, domains and env vars of the app. */
export function SettingsCard(props: { entityRef: string }) {
  const { entityRef } = props;
  const api = useApi(kli8ntApiRef);
  const permission = usePermission({
    permission: kli8ntAppConfigurePermission,
    resourceRef: entityRef,
  });
  const settings = useAsyncRetry(
    () => api.getAppSettings(entityRef),
    [api, entityRef],
  );
  const [form, setForm] = useState<SettingsForm | undefined>();
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<Error | undefined>();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (settings.value) setForm(formFromSettings(settings.value));
  }, [settings.value]);

  const readOnly = !permission.allowed;
  const { request, errors } = form
    ? validateForm(form)
    : { request: undefined, errors: {} };
  const otherErrors = Object.entries(errors).filter(
    ([field]) => !KNOWN_FIELDS.test(field),
  );

  const update = (patch: Partial<SettingsForm>) => {
    setSaved(false);
    setForm(f => (f ? { ...f, ...patch } : f));
  };

  const save = async () => {
    if (!request) return;
    setSaving(true);
    setSaveError(undefined);
    try {
      const next = await api.updateAppSettings(entityRef, request);
      setForm(formFromSettings(next));
      setSaved(true);
    } catch (e) {
      setSaveError(e as Error);
    } finally {
      setSaving(false);
    }
  };

  let body: React.ReactNode;
  if (settings.loading && !form) {
    body = <Skeleton width="100%" height={120} />;
  } else if (settings.error && !form) {
    body = (
      <Alert
        status="danger"
        icon
        title="Could not load the settings"
        description={settings.error.message}
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
        {readOnly && !permission.loading && (
          <Text color="secondary" variant="body-small">
            You do not have permission to change the settings of this service.
          </Text>
        )}
        <Grid.Root columns={{ initial: '1', md: '3' }} gap="3">
          <TextField
            label="Port"
            description="The port your app listens on"
            value={form.port}
            onChange={port => update({ port })}
            isDisabled={readOnly}
            {...fieldError(errors.port)}
          />
          <TextField
            label="Replicas"
            value={form.replicas}
            onChange={replicas => update({ replicas })}
            isDisabled={readOnly}
            {...fieldError(errors.replicas)}
          />
          <TextField
            label="Health check path"
            placeholder="/healthz"
            value={form.healthCheckPath}
            onChange={healthCheckPath => update({ healthCheckPath })}
            isDisabled={readOnly}
            {...fieldError(errors.healthCheckPath)}
          />
        </Grid.Root>
        <TextAreaField
          label="Custom domains"
          description="One per line; point their DNS at the cluster's ingress"
          value={form.domains}
          onChange={domains => update({ domains })}
          isDisabled={readOnly}
          {...fieldError(errors.domains)}
        />

        <Flex direction="column" gap="2">
          <Text as="h4" variant="title-x-small">
            Environment variables
          </Text>
          {form.env.length === 0 && (
            <Text color="secondary" variant="body-small">
              No environment variables.
            </Text>
          )}
          {form.env.map((row, i) => (
            <Flex key={row.key} gap="2" align="start">
              <TextField
                aria-label={`Name of variable ${i + 1}`}
                placeholder="NAME"
                value={row.name}
                onChange={name =>
                  update({
                    env: form.env.map(r => (r === row ? { ...r, name } : r)),
                  })
                }
                isDisabled={readOnly}
                {...fieldError(errors[`env.${i}.name`])}
              />
              <TextField
                aria-label={`Value of variable ${i + 1}`}
                placeholder="value"
                value={row.value}
                onChange={value =>
                  update({
                    env: form.env.map(r => (r === row ? { ...r, value } : r)),
                  })
                }
                isDisabled={readOnly}
                {...fieldError(errors[`env.${i}.value`])}
              />
              <Button
                variant="tertiary"
                size="small"
                aria-label={`Remove variable ${row.name || i + 1}`}
                isDisabled={readOnly}
                onPress={() => update({ env: form.env.filter(r => r !== row) })}
              >
                Remove
              </Button>
            </Flex>
          ))}
          <div>
            <Button
              variant="secondary"
              size="small"
              isDisabled={readOnly}
              onPress={() =>
                update({
                  env: [...form.env, { key: rowKey(), name: '', value: '' }],
                })
              }
            >
              Add variable
            </Button>
          </div>
        </Flex>

        <Flex direction="column" gap="2">
          <Text as="h4" variant="title-x-small">
            Secrets
          </Text>
          <Text color="secondary" variant="body-small">
            Secret values are encrypted and never shown again; enter a new value
            to replace one.
          </Text>
          {form.secrets.map((row, i) => (
            <Flex key={row.key} gap="2" align="start">
              <TextField
                aria-label={`Name of secret ${i + 1}`}
                placeholder="NAME"
                value={row.name}
                isReadOnly={row.stored}
                onChange={name =>
                  update({
                    secrets: form.secrets.map(r =>
                      r === row ? { ...r, name } : r,
                    ),
                  })
                }
                isDisabled={readOnly || row.removed}
                {...fieldError(errors[`secrets.${i}.name`])}
              />
              <PasswordField
                aria-label={`Value of secret ${row.name || i + 1}`}
                placeholder={row.stored ? MASKED_SECRET : 'value'}
                value={row.value}
                autoComplete="new-password"
                onChange={value =>
                  update({
                    secrets: form.secrets.map(r =>
                      r === row ? { ...r, value } : r,
                    ),
                  })
                }
                isDisabled={readOnly || row.removed}
                {...fieldError(errors[`secrets.${i}.value`])}
              />
              <Button
                variant="tertiary"
                size="small"
                aria-label={`${row.removed ? 'Keep' : 'Remove'} secret ${
                  row.name || i + 1
                }`}
                isDisabled={readOnly}
                onPress={() =>
                  update({
                    secrets: row.stored
                      ? form.secrets.map(r =>
                          r === row ? { ...r, removed: !r.removed } : r,
                        )
                      : form.secrets.filter(r => r !== row),
                  })
                }
              >
                {row.removed ? 'Keep' : 'Remove'}
              </Button>
            </Flex>
          ))}
          <div>
            <Button
              variant="secondary"
              size="small"
              isDisabled={readOnly}
              onPress={() =>
                update({
                  secrets: [
                    ...form.secrets,
                    {
                      key: rowKey(),
                      name: '',
                      value: '',
                      stored: false,
                      removed: false,
                    },
                  ],
                })
              }
            >
              Add secret
            </Button>
          </div>
        </Flex>

        {otherErrors.map(([field, message]) => (
          <Text key={field} color="danger" variant="body-small">
            {field}: {message}
          </Text>
        ))}
        {saveError && (
          <Alert
            status="danger"
            icon
            title="The settings were not saved"
            description={saveError.message}
          />
        )}
        {saved && <Alert status="success" icon title="Settings saved." />}
        <Flex justify="end" gap="2">
          <Button
            variant="secondary"
            isDisabled={readOnly || saving}
            onPress={() =>
              settings.value && setForm(formFromSettings(settings.value))
            }
          >
            Reset
          </Button>
          <Button
            variant="primary"
            isDisabled={readOnly || !request || saving}
            isPending={saving}
            onPress={save}
          >
            Save settings
          </Button>
        </Flex>
      </Flex>
    );
  }

  return (
    <Card>
      <CardHeader>
        <Text as="h3" variant="title-small">
          Settings
        </Text>
      </CardHeader>
      <CardBody>{body}</CardBody>
    </Card>
  );
}
