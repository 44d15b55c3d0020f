import {
  dnsNameSchema,
  envNameSchema,
  envValueSchema,
  updateAppSettingsRequestSchema,
  urlPathSchema,
  type AppSettings,
  type UpdateAppSettingsRequest,
} from '@kli8nt/backstage-plugin-kli8nt-common';

export interface EnvRow {
  key: string;
  name: string;
  value: string;
}

export interface SecretRow {
  key: string;
  name: string;
  /** Already stored on the server: its value is never shown. */
  stored: boolean;
  /** A new value to set; empty keeps a stored secret as it is. */
  value: string;
  removed: boolean;
}

export interface SettingsForm {
  port: string;
  replicas: string;
  healthCheckPath: string;
  domains: string;
  env: EnvRow[];
  secrets: SecretRow[];
}

/** Field path (`port`, `env.3.name`, …) → message. */
export type FormErrors = Record<string, string>;

let rowCounter = 0;
export function rowKey(): string {
  rowCounter += 1;
  return `row-${rowCounter}`;
}

export function formFromSettings(settings: AppSettings): SettingsForm {
  return {
    port: String(settings.port),
    replicas: String(settings.replicas),
    healthCheckPath: settings.healthCheckPath ?? '',
    domains: settings.domains.join('\n'),
    env: Object.entries(settings.env).map(([name, value]) => ({
      key: rowKey(),
      name,
      value,
    })),
    secrets: settings.secretEnvNames.map(name => ({
      key: rowKey(),
      name,
      stored: true,
      value: '',
      removed: false,
    })),
  };
}

function firstMessage(result: {
  success: boolean;
  error?: { issues: { message: string }[] };
}): string | undefined {
  return result.success ? undefined : result.error?.issues[0]?.message;
}

function parseWholeNumber(text: string): number {
  return /^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

function domainLines(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map(d => d.trim())
    .filter(Boolean);
}

/**
 * The request body for the form and the messages to show next to each
 * field. Field rules come from the shared schemas, so the form says the same
 * thing the backend would.
 */
export function validateForm(form: SettingsForm): {
  request?: UpdateAppSettingsRequest;
  errors: FormErrors;
} {
  const errors: FormErrors = {};
  const port = parseWholeNumber(form.port);
  if (Number.isNaN(port)) errors.port = 'must be a whole number';
  else if (port < 1 || port > 65535)
    errors.port = 'must be between 1 and 65535';

  const replicas = parseWholeNumber(form.replicas);
  if (Number.isNaN(replicas)) errors.replicas = 'must be a whole number';
  else if (replicas < 0 || replicas > 20)
    errors.replicas = 'must be between 0 and 20';

  const healthCheckPath = form.healthCheckPath.trim();
  if (healthCheckPath) {
    const message = firstMessage(urlPathSchema.safeParse(healthCheckPath));
    if (message) errors.healthCheckPath = message;
  }

  const domains = domainLines(form.domains);
  const domainProblems = domains
    .map(d => ({ d, message: firstMessage(dnsNameSchema.safeParse(d)) }))
    .filter(p => p.message);
  if (domainProblems.length > 0) {
    errors.domains = `${domainProblems[0].d}: ${domainProblems[0].message}`;
  } else if (new Set(domains).size !== domains.length) {
    errors.domains = 'must not contain duplicates';
  }

  const seen = new Set<string>();
  const env: Record<string, string> = {};
  form.env.forEach((row, i) => {
    if (!row.name && !row.value) return;
    const nameMessage = firstMessage(envNameSchema.safeParse(row.name));
    if (nameMessage) errors[`env.${i}.name`] = nameMessage;
    else if (seen.has(row.name)) errors[`env.${i}.name`] = 'is already used';
    const valueMessage = firstMessage(envValueSchema.safeParse(row.value));
    if (valueMessage) errors[`env.${i}.value`] = valueMessage;
    seen.add(row.name);
    env[row.name] = row.value;
  });

  const secretEnv: Record<string, string | null> = {};
  form.secrets.forEach((row, i) => {
    if (row.stored) {
      if (row.removed) secretEnv[row.name] = null;
      else if (row.value) secretEnv[row.name] = row.value;
      if (!row.removed) seen.add(row.name);
      return;
    }
    if (!row.name && !row.value) return;
    const nameMessage = firstMessage(envNameSchema.safeParse(row.name));
    if (nameMessage) errors[`secrets.${i}.name`] = nameMessage;
    else if (seen.has(row.name))
      errors[`secrets.${i}.name`] = 'is already used';
    if (!row.value) errors[`secrets.${i}.value`] = 'must not be empty';
    seen.add(row.name);
    secretEnv[row.name] = row.value;
  });

  if (Object.keys(errors).length > 0) {
    return { errors };
  }
  const body: UpdateAppSettingsRequest = {
    port,
    replicas,
    healthCheckPath: healthCheckPath || null,
    domains,
    env,
    secretEnv,
  };
  const parsed = updateAppSettingsRequestSchema.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'form');
      errors[field] ??= issue.message;
    }
    return { errors };
  }
  return { request: parsed.data, errors };
}
