import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { dnsNameSchema } from '@kli8nt/backstage-plugin-kli8nt-common';

/** `kli8nt.domains`: which custom domains apps may claim, and how it is proven. */
export interface DomainsConfig {
  /** Suffixes every app may use. */
  allowedSuffixes: string[];
  /** Further suffixes for the entities one group owns (`group:default/team-a`). */
  owners: { owner: string; allowedSuffixes: string[] }[];
  /** HMAC key of the TXT tokens; absent: custom domains are refused. */
  challengeSecret?: string;
  /** `ip` or `ip:port` of the resolvers asked; absent: the system's. */
  dnsServers?: string[];
  dnsTimeoutMs: number;
  /** Minutes between re-checks of every verified domain. */
  recheckIntervalMinutes: number;
}

export const SUFFIXES_KEY = 'kli8nt.domains.allowedSuffixes';
export const SECRET_KEY = 'kli8nt.domains.challengeSecret';

function suffixes(config: Config, key: string, path: string): string[] {
  return (config.getOptionalStringArray(key) ?? []).map(raw => {
    const suffix = raw.toLocaleLowerCase('en-US').replace(/^\*?\./, '');
    if (!dnsNameSchema.safeParse(suffix).success || !suffix.includes('.')) {
      throw new InputError(
        `Invalid config ${path}: '${raw}' is not a DNS suffix such as apps.example.com`,
      );
    }
    return suffix;
  });
}

/** Reads `kli8nt.domains` once at start-up; throws on invalid values. */
export function readDomainsConfig(root: Config): DomainsConfig {
  const config = root.getOptionalConfig('kli8nt.domains');
  const owners = (config?.getOptionalConfigArray('owners') ?? []).map(
    (entry, i) => ({
      owner: entry.getString('owner').toLocaleLowerCase('en-US'),
      allowedSuffixes: suffixes(
        entry,
        'allowedSuffixes',
        `kli8nt.domains.owners[${i}].allowedSuffixes`,
      ),
    }),
  );
  const positive = (key: string, fallback: number) => {
    const value = config?.getOptionalNumber(key) ?? fallback;
    if (!Number.isInteger(value) || value < 1) {
      throw new InputError(
        `Invalid config kli8nt.domains.${key}: expected a positive integer, got ${value}`,
      );
    }
    return value;
  };
  return {
    allowedSuffixes: config
      ? suffixes(config, 'allowedSuffixes', SUFFIXES_KEY)
      : [],
    owners,
    challengeSecret: config?.getOptionalString('challengeSecret'),
    dnsServers: config?.getOptionalStringArray('dnsServers'),
    dnsTimeoutMs: positive('dnsTimeoutMs', 5000),
    recheckIntervalMinutes: positive('recheckIntervalMinutes', 60),
  };
}
