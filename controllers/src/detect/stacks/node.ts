import type { PackageManager } from '@internal/backstage-plugin-kli8nt-common';
import { BASE_IMAGES } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  asRecord,
  asString,
  header,
  parseJsonManifest,
  portEnv,
  relativeArgPath,
  runtimeTail,
} from '../common';
import { DockerfileBuilder } from '../dockerfile';
import { NoStartCommandError } from '../errors';
import { TreeIndex } from '../fileTree';
import { serveStatic } from './static';

type NodePm = Extract<
  PackageManager,
  'npm' | 'yarn' | 'yarn-berry' | 'pnpm' | 'bun'
>;

const LOCKFILES: Record<NodePm, string[]> = {
  npm: ['package-lock.json', 'npm-shrinkwrap.json'],
  yarn: ['yarn.lock'],
  'yarn-berry': ['yarn.lock'],
  pnpm: ['pnpm-lock.yaml'],
  bun: ['bun.lock', 'bun.lockb'],
};

const EXTRA_MANIFESTS = [
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  'pnpm-workspace.yaml',
  'bunfig.toml',
];

/** Dependencies that make the app a server, in priority order. */
const SERVER_FRAMEWORKS: Array<[string, string]> = [
  ['next', 'nextjs'],
  ['nuxt', 'nuxt'],
  ['@remix-run/serve', 'remix'],
  ['@remix-run/node', 'remix'],
  ['@remix-run/express', 'remix'],
  ['@react-router/serve', 'react-router'],
  ['@sveltejs/kit', 'sveltekit'],
  ['@nestjs/core', 'nestjs'],
  ['express', 'express'],
  ['fastify', 'fastify'],
  ['koa', 'koa'],
  ['hono', 'hono'],
];

/** Tools that build a static site, and the directory they build into. */
const STATIC_BUILDERS: Array<[string, string, string]> = [
  ['react-scripts', 'create-react-app', 'build'],
  ['astro', 'astro', 'dist'],
  ['@vue/cli-service', 'vue-cli', 'dist'],
  ['vite', 'vite', 'dist'],
];

/** Start scripts that only run a dev server of a static builder. */
const DEV_SERVER_SCRIPT =
  /^\s*(vite|react-scripts start|astro (dev|preview)|vue-cli-service serve)\b/;

const ENTRY_FILES = [
  'server.js',
  'server.mjs',
  'index.js',
  'index.mjs',
  'app.js',
  'main.js',
  'src/server.js',
  'src/index.js',
];

function packageManagerOf(
  pkg: Record<string, unknown>,
  tree: TreeIndex,
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
  if (tree.has('bun.lockb') || tree.has('bun.lock')) return { pm: 'bun' };
  if (tree.has('yarn.lock')) {
    const berry =
      tree.has('.yarnrc.yml') ||
      (tree.read('yarn.lock') ?? '').includes('__metadata:');
    return { pm: berry ? 'yarn-berry' : 'yarn' };
  }
  return { pm: 'npm' };
}

function installCommand(pm: NodePm, locked: boolean): string[] {
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

function runScript(pm: NodePm, script: string): string[] {
  const bin = pm === 'yarn-berry' ? 'yarn' : pm;
  return [bin, 'run', script];
}

export function detectNode(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  if (!tree.has('package.json')) {
    return undefined;
  }
  const pkg = parseJsonManifest(tree, 'package.json', 'node');
  const scripts = asRecord(pkg.scripts);
  const deps = {
    ...asRecord(pkg.devDependencies),
    ...asRecord(pkg.dependencies),
  };
  const notes: string[] = [];
  const { pm, note } = packageManagerOf(pkg, tree);
  if (note) notes.push(note);
  const locked = LOCKFILES[pm].some(f => tree.has(f));
  if (!locked)
    notes.push(`no ${pm} lockfile: dependencies are resolved at build time`);

  const buildScript = asString(scripts.build);
  const startScript = asString(scripts.start);
  const server = SERVER_FRAMEWORKS.find(([dep]) => dep in deps);
  const staticBuilder = STATIC_BUILDERS.find(([dep]) => dep in deps);
  const isStatic =
    !server &&
    !!staticBuilder &&
    !!buildScript &&
    (!startScript || DEV_SERVER_SCRIPT.test(startScript));
  const framework = server?.[1] ?? staticBuilder?.[1];

  const install = installCommand(pm, locked);
  const build = buildScript ? runScript(pm, 'build') : undefined;
  const workspaces =
    pkg.workspaces !== undefined || tree.has('pnpm-workspace.yaml');

  const b = new DockerfileBuilder(header('node', framework));
  b.from(pm === 'bun' ? BASE_IMAGES.bun : BASE_IMAGES.nodeBuild, 'deps');
  b.workdir('/app');
  if (pm === 'pnpm' || pm === 'yarn-berry') {
    b.env({ COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' });
    b.run(['corepack', 'enable']);
  }
  if (pm === 'yarn-berry') {
    // The runtime starts the app with `npm run`, which needs node_modules, not PnP.
    b.env({ YARN_NODE_LINKER: 'node-modules' });
  }
  if (workspaces) {
    notes.push('workspaces: the whole repository is copied before installing');
    b.copy(['.'], './');
  } else {
    const manifests = [
      'package.json',
      ...LOCKFILES[pm],
      ...EXTRA_MANIFESTS,
    ].filter(f => tree.has(f));
    b.copy([...new Set(manifests)], './');
    if (pm === 'yarn-berry' && tree.hasDir('.yarn')) {
      b.copy(['.yarn'], './.yarn/');
    }
  }
  b.run(install);
  b.from({ stage: 'deps' }, 'build');
  b.copy(['.'], './');
  if (build) b.run(build);

  const ignore = [
    ...BASE_IGNORE,
    'node_modules',
    '**/node_modules',
    '.next',
    '.nuxt',
    '.output',
    '.svelte-kit',
    'coverage',
  ];

  if (isStatic && staticBuilder) {
    const out = staticBuilder[2];
    notes.push(`static build served from ${out}/`);
    serveStatic(b, {
      source: `/app/${out}`,
      from: 'build',
      spa: true,
      start: ctx.startOverride,
    });
    return {
      stack: 'node',
      framework,
      packageManager: pm,
      installCommand: install,
      buildCommand: build,
      dockerfile: b,
      dockerignore: [...ignore, out],
      notes,
    };
  }

  if (pm === 'npm' && locked) {
    b.run(['npm', 'prune', '--omit=dev']);
  }
  const start =
    ctx.startOverride ?? nodeStart(tree, pkg, pm, framework, !!build);
  const runtimeImage = pm === 'bun' ? BASE_IMAGES.bun : BASE_IMAGES.nodeRuntime;
  const user = pm === 'bun' ? 'bun' : 'node';
  b.from(runtimeImage);
  b.workdir('/app');
  if (framework === 'nuxt' && !ctx.startOverride) {
    b.env(portEnv({ NODE_ENV: 'production', HOST: '0.0.0.0' }));
    b.copy(['/app/.output'], '/app/.output', {
      from: 'build',
      chown: `${user}:${user}`,
    });
  } else {
    b.env(portEnv({ NODE_ENV: 'production' }));
    b.copy(['/app'], '/app', { from: 'build', chown: `${user}:${user}` });
  }
  runtimeTail(b, start, user);
  return {
    stack: 'node',
    framework,
    packageManager: pm,
    installCommand: install,
    buildCommand: build,
    dockerfile: b,
    dockerignore: ignore,
    notes,
  };
}

function nodeStart(
  tree: TreeIndex,
  pkg: Record<string, unknown>,
  pm: NodePm,
  framework: string | undefined,
  hasBuild: boolean,
): string[] {
  const runtime = pm === 'bun' ? 'bun' : 'node';
  if (framework === 'nuxt') {
    return ['node', '.output/server/index.mjs'];
  }
  if (asString(asRecord(pkg.scripts).start)) {
    // npm is in every node image and runs scripts from node_modules/.bin
    // whichever manager installed them.
    return pm === 'bun' ? ['bun', 'run', 'start'] : ['npm', 'run', 'start'];
  }
  if (framework === 'nextjs') {
    return ['node_modules/.bin/next', 'start'];
  }
  if (framework === 'sveltekit' && hasBuild) {
    return ['node', 'build'];
  }
  const main = asString(pkg.main);
  const mainPath = main ? relativeArgPath(main) : undefined;
  if (mainPath && (hasBuild || tree.has(mainPath.slice(2)))) {
    return [runtime, mainPath];
  }
  const entry = ENTRY_FILES.find(f => tree.has(f));
  if (entry) {
    return [runtime, entry];
  }
  throw new NoStartCommandError(
    'Found a Node.js app (package.json) but no way to start it',
    {
      stack: 'node',
      lookedFor: [
        'Procfile with a web: line',
        'scripts.start in package.json',
        'main in package.json',
        ...ENTRY_FILES,
      ],
    },
  );
}
