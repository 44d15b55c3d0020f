import { useEffect, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/frontend-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  kli8ntAppConfigurePermission,
  type DomainState,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';
import {
  formFromSettings,
  validateForm,
  type SettingsForm,
} from './settingsForm';

/** Errors of the fields the sections show inline; the rest go below them. */
const INLINE_FIELDS =
  /^(port|replicas|healthCheckPath|domains|env\.|secrets\.)/;

/** The backend's 409: someone saved the settings since they were read. */
function isConflict(error: unknown): boolean {
  return (
    (error as { response?: { status?: number } })?.response?.status === 409
  );
}

/**
 * The app's settings as an editable form: loads them, validates each edit
 * with the shared schemas, and saves with the version it read, so a save
 * over someone else's is refused (`conflict`) and the edits stay in the form.
 * Read-only without the configure permission.
 */
export function useSettingsForm(entityRef: string) {
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
  /** The version the form was read at (absent from older backends). */
  const [version, setVersion] = useState<number | undefined>();
  const [conflict, setConflict] = useState(false);
  const [saved, setSaved] = useState(false);
  const [domainStates, setDomainStates] = useState<DomainState[]>([]);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<Error | undefined>();

  useEffect(() => {
    if (!settings.value) return;
    setForm(formFromSettings(settings.value));
    setVersion(settings.value.version);
    setConflict(false);
    setDomainStates(settings.value.domainStates ?? []);
  }, [settings.value]);

  const { request, errors } = form
    ? validateForm(form)
    : { request: undefined, errors: {} };

  const update = (patch: Partial<SettingsForm>) => {
    setSaved(false);
    setForm(f => (f ? { ...f, ...patch } : f));
  };

  const save = async () => {
    if (!request) return;
    setSaving(true);
    setSaveError(undefined);
    setConflict(false);
    try {
      const next = await api.updateAppSettings(
        entityRef,
        version === undefined ? request : { ...request, version },
      );
      setForm(formFromSettings(next));
      setVersion(next.version);
      setDomainStates(next.domainStates ?? []);
      setSaved(true);
    } catch (e) {
      if (isConflict(e)) setConflict(true);
      else setSaveError(e as Error);
    } finally {
      setSaving(false);
    }
  };

  /** Checks the DNS records of the pending custom domains now. */
  const verifyDomains = async () => {
    setVerifying(true);
    setVerifyError(undefined);
    try {
      setDomainStates(await api.verifyDomains(entityRef));
    } catch (e) {
      setVerifyError(e as Error);
    } finally {
      setVerifying(false);
    }
  };

  const reset = () => {
    if (settings.value) setForm(formFromSettings(settings.value));
  };

  return {
    loading: settings.loading,
    loadError: settings.error,
    retry: settings.retry,
    form,
    errors,
    otherErrors: Object.entries(errors).filter(
      ([field]) => !INLINE_FIELDS.test(field),
    ),
    /** The request to save, when the form is valid. */
    request,
    readOnly: !permission.allowed,
    permissionLoading: permission.loading,
    saving,
    saveError,
    /** The save was refused: someone saved since the form was read. */
    conflict,
    saved,
    update,
    save,
    reset,
    /** The saved custom domains, verified or pending. */
    domainStates,
    verifying,
    verifyError,
    verifyDomains,
  };
}
