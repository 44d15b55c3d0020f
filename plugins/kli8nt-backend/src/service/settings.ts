import { InputError } from '@backstage/errors';
import {
  AppConfig,
  UpdateAppSettingsRequest,
  appConfigSchema,
  parseInput,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { sealSecret } from '@kli8nt/backstage-plugin-kli8nt-node';
import { StoredAppSettings } from '../database/types';

/** Settings of an app that was never configured. */
export const DEFAULT_SETTINGS: StoredAppSettings = Object.freeze({
  port: 8080,
  replicas: 1,
  domains: [],
  env: {},
  secretEnv: {},
}) as StoredAppSettings;

/** The app config carried by messages: stored settings minus empty fields. */
export function appConfigOf(settings: StoredAppSettings): AppConfig {
  return parseInput(
    appConfigSchema,
    JSON.parse(JSON.stringify(settings)),
    'app settings',
  );
}

/**
 * Applies a settings patch. Secret values are sealed with `secretKey` and
 * never kept in the clear; `null` removes a secret, an absent name keeps it.
 * The result must still be a valid AppConfig (for example no name in both
 * env and secretEnv), else an InputError names the field.
 */
export function applySettingsPatch(
  current: StoredAppSettings,
  patch: UpdateAppSettingsRequest,
  secretKey: string | undefined,
): StoredAppSettings {
  const next: StoredAppSettings = {
    ...current,
    secretEnv: { ...current.secretEnv },
  };
  if (patch.port !== undefined) next.port = patch.port;
  if (patch.replicas !== undefined) next.replicas = patch.replicas;
  if (patch.domains !== undefined) next.domains = patch.domains;
  if (patch.env !== undefined) next.env = patch.env;
  if (patch.healthCheckPath !== undefined) {
    next.healthCheckPath = patch.healthCheckPath ?? undefined;
  }
  if (patch.resources !== undefined) {
    next.resources = patch.resources ?? undefined;
  }
  for (const [name, value] of Object.entries(patch.secretEnv ?? {})) {
    if (value === null) {
      delete next.secretEnv[name];
      continue;
    }
    if (!secretKey) {
      throw new InputError(
        'Secret values cannot be stored: kli8nt.secretKey is not configured',
      );
    }
    next.secretEnv[name] = sealSecret(value, secretKey);
  }
  appConfigOf(next);
  return next;
}
