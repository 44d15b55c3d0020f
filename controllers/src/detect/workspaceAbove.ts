import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DetectError } from './errors';

/*
 * A monorepo app built from its directory (`kli8nt.io/source-path`) sees
 * only that directory. A member of a workspace rooted above it would then
 * build without the workspace's lockfile and shared packages: unpinned
 * installs at best, a public package of the same name at worst. Said
 * clearly instead, with the ways out.
 */

/** A file in the directory that pins its own dependencies. */
const OWN_LOCKFILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'bun.lockb',
  'Cargo.lock',
  'go.work',
];

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The workspace a directory declares, as `<kind> (<file>)`. */
function workspaceAt(dir: string): string | undefined {
  const pkg = read(path.join(dir, 'package.json'));
  if (pkg !== undefined) {
    try {
      if (JSON.parse(pkg)?.workspaces) return 'npm workspace (package.json)';
    } catch {
      // Not this check's concern: detection reports a broken manifest.
    }
  }
  if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) {
    return 'pnpm workspace (pnpm-workspace.yaml)';
  }
  if (existsSync(path.join(dir, 'go.work'))) return 'Go workspace (go.work)';
  if (/^\s*\[workspace\]/m.test(read(path.join(dir, 'Cargo.toml')) ?? '')) {
    return 'Cargo workspace (Cargo.toml)';
  }
  return undefined;
}

/** @public */
export class WorkspaceMemberError extends DetectError {
  readonly code = 'WorkspaceMember' as const;
}

/**
 * Throws a {@link WorkspaceMemberError} when `dir`, a subdirectory of the
 * checkout without a Dockerfile or a lockfile of its own, lies inside a
 * workspace declared by one of its parents up to the checkout's root.
 */
export function checkNotWorkspaceMember(checkout: string, dir: string) {
  const sourcePath = path.relative(checkout, dir);
  if (sourcePath === '' || sourcePath.startsWith('..')) return;
  const own = ['Dockerfile', ...OWN_LOCKFILES].filter(f =>
    existsSync(path.join(dir, f)),
  );
  if (own.length > 0) return;
  for (let parent = path.dirname(sourcePath); ; parent = path.dirname(parent)) {
    const workspace = workspaceAt(path.join(checkout, parent));
    if (workspace) {
      const where =
        parent === '.'
          ? 'the repository root'
          : `'${parent}' of the repository`;
      throw new WorkspaceMemberError(
        `kli8nt.io/source-path '${sourcePath}' is inside the ${workspace} at ${where}: ` +
          `its lockfile and shared packages are outside the build context. ` +
          `Remove kli8nt.io/source-path to build the workspace from its root ` +
          `(the detector picks the app, see "Choosing the app when there are several"), ` +
          `or add a Dockerfile or a lockfile of its own to ${sourcePath}.`,
        { lookedFor: OWN_LOCKFILES, found: [workspace] },
      );
    }
    if (parent === '.') return;
  }
}
