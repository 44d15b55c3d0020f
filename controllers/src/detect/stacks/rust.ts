import { BASE_IMAGES } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  asRecord,
  asString,
  header,
  parseTomlManifest,
  portEnv,
  runtimeTail,
} from '../common';
import { DockerfileBuilder } from '../dockerfile';
import { NoStartCommandError, UnsafeValueError } from '../errors';

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const CRATE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function detectRust(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  if (!tree.has('Cargo.toml')) {
    return undefined;
  }
  const notes: string[] = [];
  const cargo = parseTomlManifest(tree, 'Cargo.toml', 'rust');
  const pkg = asRecord(cargo.package);
  const bins = Array.isArray(cargo.bin)
    ? cargo.bin
        .map(b => asString(asRecord(b).name))
        .filter((n): n is string => !!n)
    : [];
  const name =
    asString(pkg['default-run']) ??
    (bins.length > 0
      ? bins.find(n => n === pkg.name) ?? bins[0]
      : asString(pkg.name));
  if (!name) {
    throw new NoStartCommandError('Found Cargo.toml but no binary to run', {
      stack: 'rust',
      lookedFor: ['[package] name in Cargo.toml', '[[bin]] name in Cargo.toml'],
    });
  }
  if (!CRATE_NAME.test(name)) {
    throw new UnsafeValueError(
      `Cargo binary name ${JSON.stringify(name)} is not a valid crate name`,
      { stack: 'rust', lookedFor: ['[package] name in Cargo.toml'] },
    );
  }
  if (bins.length > 1) notes.push(`several binaries: running ${name}`);
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

  b.from(BASE_IMAGES.debianRuntime);
  b.copy([CA_BUNDLE], CA_BUNDLE, { from: 'build' });
  b.workdir('/app');
  b.copy(['/out/server'], '/app/server', { from: 'build' });
  b.env(portEnv());
  runtimeTail(b, ctx.startOverride ?? ['/app/server']);
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
