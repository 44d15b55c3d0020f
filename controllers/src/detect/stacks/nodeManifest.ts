import type { PackageManager } from '@kli8nt/backstage-plugin-kli8nt-common';
import { asRecord, asString, parseJsonManifest } from '../common';
import { InvalidManifestError } from '../errors';
import { TreeIndex } from '../fileTree';

export type NodePm = Extract<
  PackageManager,
  'npm' | 'yarn' | 'yarn-berry' | 'pnpm' | 'bun'
>;

/** The manifests a package may have, in the order package managers read them. */
export const MANIFESTS = ['package.json', 'package.json5'];

/**
 * JSON5 as pnpm's `package.json5` uses it, turned into JSON: comments,
 * trailing commas, single-quoted strings and unquoted keys. A string is
 * copied as is (escapes kept), so nothing inside one is rewritten.
 */
export function json5ToJson(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      let body = '';
      while (j < text.length && text[j] !== c) {
        if (text[j] === '\\') {
          body += text[j] + (text[j + 1] ?? '');
          j += 2;
        } else {
          body += c === "'" && text[j] === '"' ? '\\"' : text[j];
          j++;
        }
      }
      out += `"${c === "'" ? body.replace(/\\'/g, "'") : body}"`;
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (
      /[{,]\s*$/.test(out) &&
      /^[A-Za-z_$][A-Za-z0-9_$]*\s*:/.test(text.slice(i))
    ) {
      const key = text.slice(i).match(/^[A-Za-z_$][A-Za-z0-9_$]*/)![0];
      out += JSON.stringify(key);
      i += key.length;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

/** Reads a package's manifest (`package.json` or pnpm's `package.json5`) in `dir` ('' = root). */
export function readPackage(
  tree: TreeIndex,
  dir = '',
): { manifest: string; pkg: Record<string, unknown> } | undefined {
  const prefix = dir === '' ? '' : `${dir}/`;
  const manifest = MANIFESTS.map(m => `${prefix}${m}`).find(m => tree.has(m));
  if (!manifest) return undefined;
  if (manifest.endsWith('.json')) {
    return { manifest, pkg: parseJsonManifest(tree, manifest, 'node') };
  }
  const text = tree.read(manifest) ?? '';
  try {
    const value: unknown = JSON.parse(json5ToJson(text));
    return { manifest, pkg: asRecord(value) };
  } catch (e) {
    throw new InvalidManifestError(
      `${manifest} is not valid JSON5: ${String(e)}`,
      { stack: 'node', lookedFor: [manifest], cause: e },
    );
  }
}

export const LOCKFILES: Record<NodePm, string[]> = {
  npm: ['package-lock.json', 'npm-shrinkwrap.json'],
  yarn: ['yarn.lock'],
  'yarn-berry': ['yarn.lock'],
  pnpm: ['pnpm-lock.yaml'],
  bun: ['bun.lock', 'bun.lockb'],
};

export function packageManagerOf(
  pkg: Record<string, unknown>,
  tree: TreeIndex,
  manifest: string,
): { pm: NodePm; note?: string } {
  const field = asString(pkg.packageManager);
  const m = field?.match(/^(npm|yarn|pnpm|bun)@(\d+)/);
  if (m) {
    let pm = m[1];
    if (pm === 'yarn' && Number(m[2]) >= 2) pm = 'yarn-berry';
    return {
      pm: pm as NodePm,
      note: `package manager from packageManager field (${m[1]}@${m[2]})`,
    };
  }
  if (tree.has('pnpm-lock.yaml')) return { pm: 'pnpm' };
  if (manifest === 'package.json5') {
    return { pm: 'pnpm', note: 'package.json5: only pnpm reads it' };
  }
  if (tree.has('bun.lockb') || tree.has('bun.lock')) return { pm: 'bun' };
  if (tree.has('bunfig.toml'))
    return { pm: 'bun', note: 'bun from bunfig.toml' };
  if (tree.has('yarn.lock')) {
    const berry =
      tree.has('.yarnrc.yml') ||
      (tree.read('yarn.lock') ?? '').includes('__metadata:');
    return { pm: berry ? 'yarn-berry' : 'yarn' };
  }
  return { pm: 'npm' };
}

export function installCommand(pm: NodePm, locked: boolean): string[] {
  switch (pm) {
    case 'npm':
      return locked ? ['npm', 'ci'] : ['npm', 'install'];
    case 'yarn':
      return locked
        ? ['yarn', 'install', '--frozen-lockfile']
        : ['yarn', 'install'];
    case 'yarn-berry':
      return locked ? ['yarn', 'install', '--immutable'] : ['yarn', 'install'];
    case 'pnpm':
      return locked
        ? ['pnpm', 'install', '--frozen-lockfile']
        : ['pnpm', 'install'];
    case 'bun':
    default:
      return locked
        ? ['bun', 'install', '--frozen-lockfile']
        : ['bun', 'install'];
  }
}

export function runScript(pm: NodePm, script: string): string[] {
  const bin = pm === 'yarn-berry' ? 'yarn' : pm;
  return [bin, 'run', script];
}
