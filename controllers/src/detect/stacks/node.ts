import { BASE_IMAGES, NODE_IMAGE_USER, TOOL_VERSIONS } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  asRecord,
  asString,
  header,
  portEnv,
  relativeArgPath,
  runtimeTail,
} from '../common';
import { DockerfileBuilder, shellCommand } from '../dockerfile';
import { NoStartCommandError } from '../errors';
import { TreeIndex } from '../fileTree';
import {
  DEV_SERVER_SCRIPT,
  NodeAppShape,
  nodeAppShape,
  workspaceApp,
} from './nodeApp';
import {
  LOCKFILES,
  MANIFESTS,
  NodePm,
  installCommand,
  packageManagerOf,
  readPackage,
  runScript,
} from './nodeManifest';
import { serveStatic, staticfileConfig } from './static';

const EXTRA_MANIFESTS = [
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  'pnpm-workspace.yaml',
  'bunfig.toml',
];

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
/** Bun runs TypeScript directly. */
const BUN_ENTRY_FILES = [
  'index.ts',
  'server.ts',
  'main.ts',
  'app.ts',
  'src/index.ts',
  'src/server.ts',
];

const SRVX_DIR = '/opt/srvx';
/** A packageManager field corepack can prepare: `pnpm@9.15.9`. */
const PM_SPEC = /^pnpm@\d+\.\d+\.\d+[0-9A-Za-z.+-]*$/;

/** Where the app lives in the image, and its manifest. */
interface Target {
  /** '' for the repository root, else the workspace directory. */
  dir: string;
  pkg: Record<string, unknown>;
  /** npm reads only package.json: scripts of a package.json5 run through sh. */
  json5?: boolean;
}

function buildCommandOf(
  tree: TreeIndex,
  pm: NodePm,
  root: Record<string, unknown>,
  target: Target,
): string[] | undefined {
  if (asString(asRecord(root.scripts).build)) return runScript(pm, 'build');
  if (target.dir === '') return undefined;
  const name = asString(target.pkg.name) ?? '';
  const rootDeps = {
    ...asRecord(root.devDependencies),
    ...asRecord(root.dependencies),
  };
  if (tree.has('nx.json') && 'nx' in rootDeps && /^[@\w./-]+$/.test(name)) {
    return ['node_modules/.bin/nx', 'build', name];
  }
  if (
    tree.has('turbo.json') &&
    'turbo' in rootDeps &&
    /^[@\w./-]+$/.test(name)
  ) {
    return ['node_modules/.bin/turbo', 'run', 'build', `--filter=${name}`];
  }
  if (asString(asRecord(target.pkg.scripts).build)) {
    return shellCommand(
      `cd "$1" && exec ${pm === 'yarn-berry' ? 'yarn' : pm} run build`,
      target.dir,
    );
  }
  return undefined;
}

export function detectNode(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  const root = readPackage(tree);
  if (!root) {
    return undefined;
  }
  const { pkg } = root;
  const notes: string[] = [];
  const { pm, note } = packageManagerOf(pkg, tree, root.manifest);
  if (note) notes.push(note);
  const locked = LOCKFILES[pm].some(f => tree.has(f));
  if (!locked)
    notes.push(`no ${pm} lockfile: dependencies are resolved at build time`);

  const app = workspaceApp(tree, pkg, notes);
  const target: Target = app ?? {
    dir: '',
    pkg,
    json5: root.manifest === 'package.json5',
  };
  const shape = nodeAppShape(tree, target.dir, target.pkg);
  notes.push(...shape.notes);
  const framework = shape.framework;
  const install = installCommand(pm, locked);
  const build = buildCommandOf(tree, pm, pkg, target);
  const workspaces =
    pkg.workspaces !== undefined ||
    tree.has('pnpm-workspace.yaml') ||
    app !== undefined;

  const b = new DockerfileBuilder(header('node', framework));
  b.from(pm === 'bun' ? BASE_IMAGES.bun : BASE_IMAGES.nodeBuild, 'deps');
  b.workdir('/app');
  const field = asString(pkg.packageManager);
  if (root.manifest !== 'package.json' && field && PM_SPEC.test(field)) {
    // corepack reads packageManager from package.json only; npm installs
    // the pinned version (checked against the registry's integrity hash).
    b.run(['npm', 'install', '--global', '--no-audit', '--no-fund', field]);
  } else if (pm === 'pnpm' || pm === 'yarn-berry') {
    // Without a packageManager field corepack would fetch the newest
    // release; its own known-good version keeps a rebuild reproducible.
    b.env({
      COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
      COREPACK_DEFAULT_TO_LATEST: '0',
    });
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
      ...MANIFESTS,
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
  const result = {
    stack: 'node' as const,
    framework,
    packageManager: pm,
    installCommand: install,
    buildCommand: build,
    dockerfile: b,
    notes,
  };

  if (shape.staticDir && build) {
    const config = staticfileConfig(tree);
    const out = [target.dir, config.root ?? shape.staticDir]
      .filter(Boolean)
      .join('/');
    notes.push(`static build served from ${out}/`);
    serveStatic(b, {
      source: `/app/${out}`,
      from: 'build',
      spa: config.spa ?? shape.spa ?? true,
      start: ctx.startOverride,
    });
    return { ...result, dockerignore: [...ignore, out] };
  }

  if (pm === 'npm' && locked && !app) {
    b.run(['npm', 'prune', '--omit=dev']);
  }
  const tanstackSrvx =
    framework === 'tanstack-start' &&
    !ctx.startOverride &&
    !productionStartScript(target.pkg);
  if (tanstackSrvx) {
    b.run([
      'npm',
      'install',
      '--prefix',
      SRVX_DIR,
      '--no-audit',
      '--no-fund',
      `srvx@${TOOL_VERSIONS.srvx}`,
    ]);
    notes.push(
      `TanStack Start without a start script: served by srvx ${TOOL_VERSIONS.srvx}`,
    );
  }
  const start =
    ctx.startOverride ?? nodeStart(tree, target, pm, shape, !!build);
  const runtimeImage = pm === 'bun' ? BASE_IMAGES.bun : BASE_IMAGES.nodeRuntime;
  // The images' own user (node, bun: uid 1000), by number: the kubelet
  // refuses a runAsNonRoot pod whose image user is a name it cannot check.
  const user = NODE_IMAGE_USER;
  const chown = user;
  b.from(runtimeImage);
  const workdir = target.dir === '' ? '/app' : `/app/${target.dir}`;
  const env = portEnv({
    NODE_ENV: 'production',
    ...(framework === 'nuxt' || shape.astroServer ? { HOST: '0.0.0.0' } : {}),
    ...(shape.nextStandalone ? { HOSTNAME: '0.0.0.0' } : {}),
    ...(target.dir !== '' || target.json5
      ? {
          PATH: `${workdir}/node_modules/.bin:/app/node_modules/.bin:/usr/local/bin:/usr/bin:/bin`,
        }
      : {}),
  });
  b.workdir(workdir);
  b.env(env);
  if (ctx.startOverride || target.dir !== '') {
    b.copy(['/app'], '/app', { from: 'build', chown });
  } else if (framework === 'nuxt') {
    b.copy(['/app/.output'], '/app/.output', { from: 'build', chown });
  } else if (shape.nextStandalone) {
    notes.push('Next.js standalone output: only .next/standalone is shipped');
    b.copy(['/app/.next/standalone'], '/app', { from: 'build', chown });
    b.copy(['/app/.next/static'], '/app/.next/static', {
      from: 'build',
      chown,
    });
    if (tree.hasDir('public')) {
      b.copy(['/app/public'], '/app/public', { from: 'build', chown });
    }
  } else {
    b.copy(['/app'], '/app', { from: 'build', chown });
  }
  if (tanstackSrvx) {
    b.copy([SRVX_DIR], SRVX_DIR, { from: 'build' });
  }
  runtimeTail(b, start, user);
  return {
    ...result,
    dockerignore: ignore,
    ...(shape.worker && !ctx.startOverride
      ? { processType: 'worker' as const }
      : {}),
  };
}

/** The start script, unless it only runs a dev server. */
function productionStartScript(
  pkg: Record<string, unknown>,
): string | undefined {
  const start = asString(asRecord(pkg.scripts).start);
  return start && !DEV_SERVER_SCRIPT.test(start) ? start : undefined;
}

function nodeStart(
  tree: TreeIndex,
  target: Target,
  pm: NodePm,
  shape: NodeAppShape,
  hasBuild: boolean,
): string[] {
  const { pkg, dir } = target;
  const runtime = pm === 'bun' ? 'bun' : 'node';
  const framework = shape.framework;
  if (framework === 'nuxt') {
    return ['node', '.output/server/index.mjs'];
  }
  if (shape.nextStandalone) {
    return ['node', 'server.js'];
  }
  const script = productionStartScript(pkg);
  if (script && target.json5) {
    return ['sh', '-c', script];
  }
  if (script) {
    // npm is in every node image and runs scripts from node_modules/.bin
    // whichever manager installed them.
    return pm === 'bun' ? ['bun', 'run', 'start'] : ['npm', 'run', 'start'];
  }
  if (framework === 'nextjs') {
    return dir === '' ? ['node_modules/.bin/next', 'start'] : ['next', 'start'];
  }
  if (framework === 'tanstack-start') {
    return [
      'node',
      `${SRVX_DIR}/node_modules/srvx/bin/srvx.mjs`,
      '--prod',
      '-s',
      '../client',
      'dist/server/server.js',
    ];
  }
  if (shape.astroServer) {
    return ['node', './dist/server/entry.mjs'];
  }
  if (framework === 'sveltekit' && hasBuild) {
    return ['node', 'build'];
  }
  const inDir = (f: string) => (dir === '' ? f : `${dir}/${f}`);
  for (const field of pm === 'bun' ? ['module', 'main'] : ['main']) {
    const value = asString(pkg[field]);
    const path = value ? relativeArgPath(value) : undefined;
    if (path && (hasBuild || tree.has(inDir(path.slice(2))))) {
      return [runtime, path];
    }
  }
  const entries =
    pm === 'bun' ? [...ENTRY_FILES, ...BUN_ENTRY_FILES] : ENTRY_FILES;
  const entry = entries.find(f => tree.has(inDir(f)));
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
        ...(pm === 'bun' ? ['module in package.json'] : []),
        ...entries,
      ],
    },
  );
}
