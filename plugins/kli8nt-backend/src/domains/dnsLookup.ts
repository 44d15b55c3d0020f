import { Resolver } from 'node:dns/promises';

/** What the resolver said about one challenge name. */
export type TxtAnswer =
  | { kind: 'records'; values: string[] }
  | { kind: 'none' }
  | { kind: 'failed'; error: string };

/** The TXT records at a name, looked up on the configured resolvers. */
export type TxtLookup = (name: string) => Promise<TxtAnswer>;

/**
 * Looks TXT records up with node's resolver on `servers` (`ip` or
 * `ip:port`; absent: the system's), so an air-gapped company (or a test)
 * points it at its own. Long records come in chunks, joined here.
 */
export function dnsTxtLookup(options: {
  servers?: string[];
  timeoutMs: number;
}): TxtLookup {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 2 });
  if (options.servers?.length) resolver.setServers(options.servers);
  return async name => {
    try {
      const records = await resolver.resolveTxt(name);
      return {
        kind: 'records',
        values: records.map(chunks => chunks.join('')),
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENODATA' || code === 'ENOTFOUND') return { kind: 'none' };
      return { kind: 'failed', error: code ?? String(error) };
    }
  };
}
