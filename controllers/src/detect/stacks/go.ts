import { BASE_IMAGES } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  header,
  portEnv,
  runtimeTail,
} from '../common';
import { DockerfileBuilder } from '../dockerfile';
import { NoStartCommandError } from '../errors';
import { TreeIndex } from '../fileTree';

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

function isMainPackage(tree: TreeIndex, dir: string): boolean {
  const prefix = dir === '' ? '' : `${dir}/`;
  return tree
    .find(
      p =>
        p.startsWith(prefix) &&
        !p.slice(prefix.length).includes('/') &&
        p.endsWith('.go') &&
        !p.endsWith('_test.go'),
    )
    .some(p => /^\s*package\s+main\b/m.test(tree.read(p) ?? ''));
}

/** The package to build, as `go build` wants it: `.` or `./cmd/<name>`. */
function mainPackage(tree: TreeIndex, notes: string[]): string {
  if (isMainPackage(tree, '')) {
    return '.';
  }
  const commands = tree
    .subdirs('cmd')
    .filter(d => isMainPackage(tree, `cmd/${d}`));
  if (commands.length === 0) {
    throw new NoStartCommandError('Found a Go module but no main package', {
      stack: 'go',
      lookedFor: [
        '*.go with package main at the root',
        'cmd/<name>/*.go with package main',
      ],
    });
  }
  const module = (tree.read('go.mod') ?? '').match(/^\s*module\s+(\S+)/m)?.[1];
  const base = module?.split('/').pop();
  const chosen = commands.find(c => c === base) ?? commands[0];
  if (commands.length > 1) {
    notes.push(`several commands under cmd/: building cmd/${chosen}`);
  }
  return `./cmd/${chosen}`;
}

export function detectGo(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  if (!tree.has('go.mod')) {
    return undefined;
  }
  const notes: string[] = [];
  const pkg = mainPackage(tree, notes);
  const build = [
    'go',
    'build',
    '-trimpath',
    '-ldflags=-s -w',
    '-o',
    '/out/server',
    pkg,
  ];

  const b = new DockerfileBuilder(header('go'));
  b.from(BASE_IMAGES.goBuild, 'build');
  b.env({ CGO_ENABLED: '0' });
  b.workdir('/src');
  let install: string[] | undefined;
  if (tree.has('vendor/modules.txt')) {
    notes.push('using the vendor/ directory');
    b.copy(['.'], './');
  } else {
    b.copy(['go.mod', ...(tree.has('go.sum') ? ['go.sum'] : [])], './');
    install = ['go', 'mod', 'download'];
    b.run(install);
    b.copy(['.'], './');
  }
  b.run(build);

  b.from(BASE_IMAGES.debianRuntime);
  b.copy([CA_BUNDLE], CA_BUNDLE, { from: 'build' });
  b.workdir('/app');
  b.copy(['/out/server'], '/app/server', { from: 'build' });
  b.env(portEnv());
  runtimeTail(b, ctx.startOverride ?? ['/app/server']);
  return {
    stack: 'go',
    packageManager: 'go',
    installCommand: install,
    buildCommand: build,
    dockerfile: b,
    dockerignore: [...BASE_IGNORE, 'bin', '*.test', '*.out'],
    notes,
  };
}
