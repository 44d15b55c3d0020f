import { BASE_IMAGES } from '../baseImages';
import {
  APP_NAMES,
  BASE_IGNORE,
  DetectContext,
  StackResult,
  asRecord,
  asString,
  header,
  parseTomlManifest,
  serverBinaryStage,
} from '../common';
import { DockerfileBuilder } from '../dockerfile';
import { NoStartCommandError, UnsafeValueError } from '../errors';
import { TreeIndex } from '../fileTree';

const CRATE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The binaries a package builds: [[bin]] names, src/bin/*.rs, and src/main.rs as the package. */
function packageBins(
  tree: TreeIndex,
  dir: string,
  cargo: Record<string, unknown>,
) {
  const inDir = (p: string) => (dir === '' ? p : `${dir}/${p}`);
  const pkg = asRecord(cargo.package);
  const name = asString(pkg.name);
  const bins = Array.isArray(cargo.bin)
    ? cargo.bin
        .map(b => asString(asRecord(b).name))
        .filter((n): n is string => !!n)
    : [];
  if (name && tree.has(inDir('src/main.rs')) && !bins.includes(name)) {
    bins.push(name);
  }
  for (const file of tree.find(
    p => p.startsWith(inDir('src/bin/')) && p.endsWith('.rs'),
  )) {
    const rest = file.slice(inDir('src/bin/').length);
    // src/bin/<name>.rs or src/bin/<name>/main.rs
    const parts = rest.split('/');
    let bin: string | undefined;
    if (parts.length === 1) bin = rest.slice(0, -3);
    else if (parts.length === 2 && parts[1] === 'main.rs') bin = parts[0];
    if (bin && !bins.includes(bin)) bins.push(bin);
  }
  return { name, defaultRun: asString(pkg['default-run']), bins };
}

/** Member directories of a [workspace]: `members` (with `dir/*` globs) minus `exclude`. */
function workspaceMembers(tree: TreeIndex, workspace: Record<string, unknown>) {
  const list = (v: unknown) =>
    Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : [];
  const exclude = new Set(list(workspace.exclude));
  const dirs: string[] = [];
  for (const member of list(workspace.members)) {
    const clean = member.replace(/^\.\//, '').replace(/\/+$/, '');
    const expanded = clean.endsWith('/*')
      ? tree.subdirs(clean.slice(0, -2)).map(d => `${clean.slice(0, -2)}/${d}`)
      : [clean];
    for (const dir of expanded) {
      if (
        !dir.includes('*') &&
        !exclude.has(dir) &&
        tree.has(`${dir}/Cargo.toml`)
      ) {
        dirs.push(dir);
      }
    }
  }
  return dirs;
}

/**
 * The binary to build and run. A package: `default-run`, else the binary
 * named like the package, else the first. A workspace: the binaries of its
 * `default-members` (else of all members); `default-run` of a member wins,
 * then a member named like an app (server, api, web, app…); so
 * `default-members = ["<crate>"]` in [workspace] picks the app.
 */
function chooseBinary(
  tree: TreeIndex,
  cargo: Record<string, unknown>,
  notes: string[],
): string | undefined {
  const root = packageBins(tree, '', cargo);
  const workspace = asRecord(cargo.workspace);
  if (cargo.workspace === undefined || (root.name && root.bins.length > 0)) {
    if (root.bins.length > 1)
      notes.push(
        `several binaries: running ${
          root.defaultRun ??
          root.bins.find(n => n === root.name) ??
          root.bins[0]
        }`,
      );
    return (
      root.defaultRun ??
      (root.bins.length > 0
        ? root.bins.find(n => n === root.name) ?? root.bins[0]
        : root.name)
    );
  }
  const members = workspaceMembers(tree, workspace);
  const defaults = workspaceMembers(tree, {
    members: workspace['default-members'],
  });
  const candidates = (defaults.length > 0 ? defaults : members)
    .map(dir => ({
      dir,
      ...packageBins(
        tree,
        dir,
        parseTomlManifest(tree, `${dir}/Cargo.toml`, 'rust'),
      ),
    }))
    .filter(m => m.bins.length > 0);
  if (candidates.length === 0) return undefined;
  const rank = (m: (typeof candidates)[number]) => {
    const i = APP_NAMES.indexOf(m.dir.split('/').pop()!);
    return (m.defaultRun ? 0 : 100) + (i < 0 ? 50 : i);
  };
  const chosen = [...candidates].sort((a, b) => rank(a) - rank(b))[0];
  const bin =
    chosen.defaultRun ??
    chosen.bins.find(n => n === chosen.name) ??
    chosen.bins[0];
  const all = candidates.flatMap(c => c.bins);
  notes.push(
    `cargo workspace: running ${bin} from ${chosen.dir}${
      all.length > 1
        ? ` (binaries: ${all.join(
            ', ',
          )}; set default-members = ["<member>"] in [workspace] to pick another)`
        : ''
    }`,
  );
  return bin;
}

export function detectRust(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  if (!tree.has('Cargo.toml')) {
    return undefined;
  }
  const notes: string[] = [];
  const cargo = parseTomlManifest(tree, 'Cargo.toml', 'rust');
  const name = chooseBinary(tree, cargo, notes);
  if (!name) {
    throw new NoStartCommandError('Found Cargo.toml but no binary to run', {
      stack: 'rust',
      lookedFor: [
        '[package] name in Cargo.toml',
        '[[bin]] name in Cargo.toml',
        'src/main.rs, src/bin/*.rs',
        'workspace members with a binary',
      ],
    });
  }
  if (!CRATE_NAME.test(name)) {
    throw new UnsafeValueError(
      `Cargo binary name ${JSON.stringify(name)} is not a valid crate name`,
      { stack: 'rust', lookedFor: ['[package] name in Cargo.toml'] },
    );
  }
  const locked = tree.has('Cargo.lock');
  const workspace = cargo.workspace !== undefined;

  const b = new DockerfileBuilder(header('rust'));
  b.from(BASE_IMAGES.rustBuild, 'build');
  b.workdir('/src');
  let install: string[] | undefined;
  if (workspace) {
    notes.push(
      'cargo workspace: the whole repository is copied before fetching',
    );
    b.copy(['.'], './');
  } else {
    b.copy(['Cargo.toml', ...(locked ? ['Cargo.lock'] : [])], './');
    // A placeholder main lets cargo resolve the manifest so the dependency
    // download is cached in its own layer; the real sources replace it.
    install = ['cargo', 'fetch'];
    b.shell(
      'mkdir -p src && [ -e src/main.rs ] || echo "fn main() {}" > src/main.rs; cargo fetch || true',
    );
    b.copy(['.'], './');
  }
  const build = [
    'cargo',
    'build',
    '--release',
    ...(locked ? ['--locked'] : []),
    '--bin',
    name,
  ];
  b.run(build);
  b.run([
    'install',
    '-D',
    '-m',
    '0755',
    '--',
    `target/release/${name}`,
    '/out/server',
  ]);

  serverBinaryStage(b, ctx.startOverride);
  return {
    stack: 'rust',
    packageManager: 'cargo',
    installCommand: install,
    buildCommand: build,
    dockerfile: b,
    dockerignore: [...BASE_IGNORE, 'target'],
    notes,
  };
}
