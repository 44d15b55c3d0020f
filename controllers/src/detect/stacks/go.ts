import { BASE_IMAGES } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  header,
  relativeArgPath,
  serverBinaryStage,
} from '../common';
import { DockerfileBuilder } from '../dockerfile';
import { NoStartCommandError } from '../errors';
import { TreeIndex } from '../fileTree';

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

/** Main packages of the module in `dir` ('' = root): `.` or `cmd/<name>`, relative to it. */
function mainPackages(tree: TreeIndex, dir: string): string[] {
  const inDir = (p: string) => (dir === '' ? p : `${dir}/${p}`);
  if (isMainPackage(tree, dir)) return ['.'];
  return tree
    .subdirs(inDir('cmd'))
    .filter(d => isMainPackage(tree, inDir(`cmd/${d}`)))
    .map(d => `cmd/${d}`);
}

/** The module directories a go.work `use`s, in file order. */
function workspaceModules(text: string): string[] {
  const body = text.replace(/\/\/.*$/gm, '');
  const dirs: string[] = [];
  for (const m of body.matchAll(/^\s*use\s*(\(([^)]*)\)|(\S+))/gm)) {
    const list = m[2] !== undefined ? m[2].split(/\s+/) : [m[3]];
    for (const entry of list) {
      const path = relativeArgPath(entry.replace(/^"|"$/g, ''));
      if (path && /^[A-Za-z0-9._/-]+$/.test(path)) dirs.push(path.slice(2));
    }
  }
  return dirs;
}

/**
 * The package to build, as `go build` wants it: `.`, `./cmd/<name>`, or in
 * a workspace `./<module>[/cmd/<name>]` — the first module of go.work with a
 * main package (reorder its `use` lines to pick another).
 */
function mainPackage(tree: TreeIndex, notes: string[]): string {
  const work = tree.read('go.work');
  const modules = work !== undefined ? workspaceModules(work) : [''];
  for (const dir of modules) {
    const commands = mainPackages(tree, dir);
    if (commands.length === 0) continue;
    const module = (
      tree.read(dir === '' ? 'go.mod' : `${dir}/go.mod`) ?? ''
    ).match(/^\s*module\s+(\S+)/m)?.[1];
    const base = module?.split('/').pop();
    const chosen = commands.find(c => c === `cmd/${base}`) ?? commands[0];
    if (commands.length > 1) {
      notes.push(
        `several commands under ${
          dir === '' ? '' : `${dir}/`
        }cmd/: building ${chosen}`,
      );
    }
    if (work !== undefined) {
      notes.push(
        `go workspace: building module ${dir} (the first in go.work with a main package; reorder its use lines to pick another)`,
      );
    }
    return ['.', dir, chosen]
      .filter(p => p !== '' && p !== '.')
      .reduce((acc, p) => `${acc}/${p}`, '.');
  }
  throw new NoStartCommandError('Found a Go module but no main package', {
    stack: 'go',
    lookedFor: [
      ...(work !== undefined ? ['go.work use directives'] : []),
      '*.go with package main at the module root',
      'cmd/<name>/*.go with package main',
    ],
  });
}

export function detectGo(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  const workspace = tree.has('go.work');
  if (!tree.has('go.mod') && !workspace) {
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
  if (workspace) {
    // Each module has its own go.mod/go.sum: copy them all with the sources.
    b.copy(['.'], './');
  } else if (tree.has('vendor/modules.txt')) {
    notes.push('using the vendor/ directory');
    b.copy(['.'], './');
  } else {
    b.copy(['go.mod', ...(tree.has('go.sum') ? ['go.sum'] : [])], './');
    install = ['go', 'mod', 'download'];
    b.run(install);
    b.copy(['.'], './');
  }
  b.run(build);

  serverBinaryStage(b, ctx.startOverride);
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
