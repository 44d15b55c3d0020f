import { APP_NAMES, asRecord, asString } from '../common';
import { TreeIndex } from '../fileTree';
import { readPackage } from './nodeManifest';

/** Dependencies that make the app a server, in priority order. */
const SERVER_FRAMEWORKS: Array<[string, string]> = [
  ['next', 'nextjs'],
  ['nuxt', 'nuxt'],
  ['@tanstack/react-start', 'tanstack-start'],
  ['@tanstack/solid-start', 'tanstack-start'],
  ['@tanstack/start', 'tanstack-start'],
  ['@remix-run/serve', 'remix'],
  ['@remix-run/node', 'remix'],
  ['@remix-run/express', 'remix'],
  ['@react-router/serve', 'react-router'],
  ['@sveltejs/kit', 'sveltekit'],
  ['@angular/ssr', 'angular-ssr'],
  ['@nestjs/core', 'nestjs'],
  ['express', 'express'],
  ['fastify', 'fastify'],
  ['koa', 'koa'],
  ['hono', 'hono'],
  ['elysia', 'elysia'],
  ['@hapi/hapi', 'hapi'],
];

/** Tools that build a static site, and the directory they build into. */
const STATIC_BUILDERS: Array<[string, string, string]> = [
  ['react-scripts', 'create-react-app', 'build'],
  ['astro', 'astro', 'dist'],
  ['@angular/cli', 'angular', 'dist'],
  ['@vue/cli-service', 'vue-cli', 'dist'],
  ['expo', 'expo', 'dist'],
  ['vite', 'vite', 'dist'],
];

/** Start scripts that only run a dev server (or a preview) of a build tool. */
export const DEV_SERVER_SCRIPT =
  /^\s*(vite(\s+(dev|preview|serve))?(\s|$)|react-scripts start|astro (dev|preview)|vue-cli-service serve|ng serve|expo start|next dev|nuxt dev|nodemon\b)/;

/** Source text that suggests the app listens on a port. */
const LISTENS =
  /\.listen\s*\(|createServer\s*\(|Bun\.serve\s*\(|\bserve\s*\(|process\.env\.PORT|Deno\.serve|export\s+default\s*\{[^}]*\bfetch\b/;

export interface NodeAppShape {
  framework?: string;
  /** A static site: the build output directory (relative to the app directory). */
  staticDir?: string;
  /** A single-page app: unknown paths fall back to index.html. */
  spa?: boolean;
  /** Next.js with `output: 'standalone'`. */
  nextStandalone?: boolean;
  /** Astro built for a Node server (`output: 'server'` or the node adapter). */
  astroServer?: boolean;
  /** No web framework and no source that listens: a worker. */
  worker?: boolean;
  notes: string[];
}

function configText(tree: TreeIndex, dir: string, base: string): string {
  const prefix = dir === '' ? '' : `${dir}/`;
  const file = ['js', 'mjs', 'cjs', 'ts', 'mts']
    .map(ext => `${prefix}${base}.${ext}`)
    .find(f => tree.has(f));
  return file ? tree.read(file) ?? '' : '';
}

/** Angular's build output: `<outputPath>/browser` for the application builder. */
function angularOut(tree: TreeIndex, dir: string): string {
  const prefix = dir === '' ? '' : `${dir}/`;
  try {
    const config = asRecord(
      JSON.parse(tree.read(`${prefix}angular.json`) ?? '{}'),
    );
    const project = Object.values(asRecord(config.projects))
      .map(asRecord)
      .find(p => p.projectType === 'application');
    const build = asRecord(asRecord(project?.architect).build);
    const options = asRecord(build.options);
    const output =
      asString(options.outputPath) ??
      asString(asRecord(options.outputPath).base);
    const builder = asString(build.builder) ?? '';
    if (output && /^[A-Za-z0-9._/-]+$/.test(output)) {
      return /:application$/.test(builder) ? `${output}/browser` : output;
    }
  } catch {
    // an unreadable angular.json: fall back to dist
  }
  return 'dist';
}

/**
 * True when some source file of the app (not its dependencies) seems to
 * listen. Every file is looked at: calling a server a worker would leave it
 * without a Service.
 */
function sourceListens(tree: TreeIndex, dir: string): boolean {
  const prefix = dir === '' ? '' : `${dir}/`;
  return tree
    .find(
      p =>
        p.startsWith(prefix) &&
        /\.(js|mjs|cjs|ts|mts|tsx|jsx)$/.test(p) &&
        !p.includes('node_modules/'),
    )
    .some(p => LISTENS.test(tree.read(p) ?? ''));
}

/**
 * What kind of Node app the package in `dir` is: which framework, whether
 * its build is a static site, and whether it serves HTTP at all.
 */
export function nodeAppShape(
  tree: TreeIndex,
  dir: string,
  pkg: Record<string, unknown>,
): NodeAppShape {
  const deps = {
    ...asRecord(pkg.devDependencies),
    ...asRecord(pkg.dependencies),
  };
  const scripts = asRecord(pkg.scripts);
  const buildScript = asString(scripts.build);
  const startScript = asString(scripts.start);
  const server = SERVER_FRAMEWORKS.find(([dep]) => dep in deps)?.[1];
  const staticBuilder = STATIC_BUILDERS.find(([dep]) => dep in deps);
  const notes: string[] = [];

  if (server === 'nextjs') {
    const config = configText(tree, dir, 'next.config');
    if (/output\s*:\s*['"]export['"]/.test(config)) {
      notes.push("Next.js static export (output: 'export') served from out/");
      return { framework: 'nextjs', staticDir: 'out', spa: false, notes };
    }
    if (/output\s*:\s*['"]standalone['"]/.test(config)) {
      return { framework: 'nextjs', nextStandalone: true, notes };
    }
    return { framework: 'nextjs', notes };
  }
  if (server === 'sveltekit') {
    const config = configText(tree, dir, 'svelte.config');
    if ('@sveltejs/adapter-static' in deps || /adapter-static/.test(config)) {
      notes.push('SvelteKit with adapter-static: served from build/');
      return { framework: 'sveltekit', staticDir: 'build', spa: true, notes };
    }
    if (!('@sveltejs/adapter-node' in deps)) {
      notes.push(
        'SvelteKit without @sveltejs/adapter-node: `node build` needs it (adapter-auto builds no server outside its hosting platforms)',
      );
    }
    return { framework: 'sveltekit', notes };
  }
  if (server) return { framework: server, notes };

  if (staticBuilder?.[1] === 'astro') {
    const config = configText(tree, dir, 'astro.config');
    if (
      '@astrojs/node' in deps ||
      /output\s*:\s*['"](server|hybrid)['"]/.test(config)
    ) {
      return { framework: 'astro', astroServer: true, notes };
    }
  }
  if (
    staticBuilder &&
    buildScript &&
    (!startScript || DEV_SERVER_SCRIPT.test(startScript))
  ) {
    const out =
      staticBuilder[1] === 'angular' ? angularOut(tree, dir) : staticBuilder[2];
    return { framework: staticBuilder[1], staticDir: out, spa: true, notes };
  }
  if (staticBuilder) return { framework: staticBuilder[1], notes };
  const monorepoRoot =
    dir === '' &&
    (pkg.workspaces !== undefined ||
      ['pnpm-workspace.yaml', 'nx.json', 'turbo.json'].some(f => tree.has(f)));
  if (!monorepoRoot && !sourceListens(tree, dir)) {
    notes.push(
      'no web framework and no code that listens on a port: runs as a worker (no Service); add a Procfile web: line if it serves HTTP',
    );
    return { worker: true, notes };
  }
  return { notes };
}

/** Workspace package globs of the root manifest, pnpm-workspace.yaml, or Nx/Turbo defaults. */
function workspaceGlobs(tree: TreeIndex, pkg: Record<string, unknown>) {
  const field = pkg.workspaces;
  const list = Array.isArray(field) ? field : asRecord(field).packages;
  const globs = Array.isArray(list)
    ? list.filter((g): g is string => typeof g === 'string')
    : [];
  const pnpm = tree.read('pnpm-workspace.yaml');
  if (pnpm) {
    for (const m of pnpm.matchAll(/^\s*-\s*['"]?([^'"#\s]+)['"]?/gm)) {
      globs.push(m[1]);
    }
  }
  if (globs.length === 0 && (tree.has('nx.json') || tree.has('turbo.json'))) {
    globs.push('apps/*');
  }
  return globs.filter(g => !g.startsWith('!'));
}

export interface WorkspaceApp {
  dir: string;
  name: string;
  pkg: Record<string, unknown>;
}

/**
 * The app of a monorepo (npm/yarn/pnpm/bun workspaces, Nx, Turborepo) whose
 * root does not say how to start: the workspace package with a start script
 * or a framework, preferring apps/ and the usual app names. A root `start`
 * script or a Procfile web: line overrides the choice.
 */
export function workspaceApp(
  tree: TreeIndex,
  root: Record<string, unknown>,
  notes: string[],
): WorkspaceApp | undefined {
  if (asString(asRecord(root.scripts).start)) return undefined;
  const dirs = new Set<string>();
  for (const glob of workspaceGlobs(tree, root)) {
    const clean = glob.replace(/^\.\//, '').replace(/\/+$/, '');
    if (clean.endsWith('/*') && !clean.slice(0, -2).includes('*')) {
      const base = clean.slice(0, -2);
      tree.subdirs(base).forEach(d => dirs.add(`${base}/${d}`));
    } else if (!clean.includes('*')) {
      dirs.add(clean);
    }
  }
  const apps: WorkspaceApp[] = [];
  for (const dir of [...dirs].sort()) {
    if (!/^[A-Za-z0-9._/-]+$/.test(dir) || dir.split('/').includes('..')) {
      continue;
    }
    const read = readPackage(tree, dir);
    if (!read) continue;
    const shape = nodeAppShape(tree, dir, read.pkg);
    const start = asString(asRecord(read.pkg.scripts).start);
    const deployable =
      (shape.framework && !['vite'].includes(shape.framework)) ||
      shape.staticDir ||
      (start && !DEV_SERVER_SCRIPT.test(start));
    if (deployable) {
      apps.push({ dir, name: asString(read.pkg.name) ?? dir, pkg: read.pkg });
    }
  }
  if (apps.length === 0) return undefined;
  const rank = (a: WorkspaceApp) => {
    const base = a.dir.split('/').pop()!;
    const named = APP_NAMES.indexOf(base);
    return (a.dir.startsWith('apps/') ? 0 : 100) + (named < 0 ? 50 : named);
  };
  const chosen = [...apps].sort((a, b) => rank(a) - rank(b))[0];
  notes.push(
    `monorepo: building the workspace and starting ${chosen.dir}${
      apps.length > 1
        ? ` (of ${apps
            .map(a => a.dir)
            .join(
              ', ',
            )}; a root start script or a Procfile web: line picks another)`
        : ''
    }`,
  );
  return chosen;
}
