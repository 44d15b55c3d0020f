import { App, timestampOf } from './types';

/** A host the App may not have, and why. */
export interface HostConflict {
  host: string;
  /** The app that has the host. */
  owner: string;
  message: string;
}

function createdAt(app: App): number {
  const t = timestampOf(app.metadata.creationTimestamp);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

function olderThan(a: App, b: App): boolean {
  const ta = createdAt(a);
  const tb = createdAt(b);
  return ta !== tb ? ta < tb : a.metadata.name < b.metadata.name;
}

/**
 * The first host of `app` that belongs to another app, in the App's host
 * order. A host belongs to:
 *
 * 1. the app named by its first label, when it is `<label>.<appsDomain>`
 *    (every app's own host is reserved, even before that app exists);
 * 2. otherwise the app that serves it now (`status.hosts`);
 * 3. otherwise, among apps that ask for it, the oldest.
 *
 * The rules only look at the Apps themselves, so every reconcile, of any
 * app, comes to the same answer. Pure.
 */
export function findHostConflict(
  app: App,
  others: App[],
): HostConflict | undefined {
  const name = app.metadata.name;
  const [ownHost] = app.spec.hosts;
  const appsDomain = ownHost.slice(ownHost.indexOf('.') + 1);
  const rivals = others.filter(
    o =>
      o.metadata.name !== name &&
      o.metadata.namespace === app.metadata.namespace &&
      !o.metadata.deletionTimestamp,
  );
  const serves = (a: App, host: string) =>
    (a.status?.hosts ?? []).includes(host);
  for (const host of app.spec.hosts) {
    const dot = host.indexOf('.');
    const label = host.slice(0, dot);
    if (host !== ownHost && host.slice(dot + 1) === appsDomain) {
      return {
        host,
        owner: label,
        message: `Host ${host} is reserved for app ${label}; use a domain outside ${appsDomain}`,
      };
    }
    // An app's own host is its own, whatever others ask for (rule 1).
    if (host === ownHost) continue;
    const server = rivals.find(o => serves(o, host));
    if (server && !(serves(app, host) && olderThan(app, server))) {
      return {
        host,
        owner: server.metadata.name,
        message: `Host ${host} is already served by app ${server.metadata.name}`,
      };
    }
    if (server || serves(app, host)) continue;
    const claimant = rivals.find(
      o => o.spec?.hosts?.includes(host) && olderThan(o, app),
    );
    if (claimant) {
      return {
        host,
        owner: claimant.metadata.name,
        message: `Host ${host} is already claimed by app ${claimant.metadata.name}`,
      };
    }
  }
  return undefined;
}
