import { BASE_IMAGES, DEFAULT_PORT } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  header,
  relativeArgPath,
  runtimeTail,
} from '../common';
import { DockerfileBuilder } from '../dockerfile';
import { TreeIndex } from '../fileTree';

const CADDY_CONFIG = '/etc/caddy/Caddyfile';

/** Caddy reads `{$PORT:…}` itself, so the port follows the env at run time. */
function caddyfile(spa: boolean): string[] {
  return [
    '{',
    '\tadmin off',
    '\tauto_https off',
    '\tpersist_config off',
    '}',
    `:{$PORT:${DEFAULT_PORT}} {`,
    '\troot * /srv',
    '\tencode gzip',
    ...(spa ? ['\ttry_files {path} /index.html'] : []),
    '\tfile_server',
    '}',
  ];
}

/**
 * Appends a stage serving `source` (a directory of the build context, or of
 * stage `from`) with the static server image.
 */
export function serveStatic(
  b: DockerfileBuilder,
  options: { source: string; from?: string; spa: boolean; start?: string[] },
): DockerfileBuilder {
  b.from(BASE_IMAGES.staticServer);
  b.shell(`printf '%s\\n' "$@" > ${CADDY_CONFIG}`, ...caddyfile(options.spa));
  b.env({
    PORT: String(DEFAULT_PORT),
    XDG_CONFIG_HOME: '/tmp/caddy/config',
    XDG_DATA_HOME: '/tmp/caddy/data',
  });
  b.copy([options.source], '/srv/', { from: options.from });
  return runtimeTail(
    b,
    options.start ?? [
      'caddy',
      'run',
      '--config',
      CADDY_CONFIG,
      '--adapter',
      'caddyfile',
    ],
  );
}

/** What a `Staticfile` (Cloud Foundry's staticfile buildpack format) says. */
export interface StaticfileConfig {
  /** `root:` — the directory to serve, relative to the build output's parent. */
  root?: string;
  /** `index_fallback:` or `pushstate: enabled` — serve index.html for unknown paths. */
  spa?: boolean;
}

/** Reads the `Staticfile` at the root; an unusable `root:` is ignored with the rest. */
export function staticfileConfig(tree: TreeIndex): StaticfileConfig {
  const text = tree.read('Staticfile');
  if (text === undefined) return {};
  const config: StaticfileConfig = {};
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(/^\s*([a-z_]+)\s*:\s*['"]?([^'"#]*?)['"]?\s*(#.*)?$/);
    if (!m) continue;
    const [, key, value] = m;
    if (key === 'root') {
      const path = relativeArgPath(value);
      if (path && /^[A-Za-z0-9._/-]+$/.test(path)) config.root = path.slice(2);
    } else if (key === 'index_fallback') {
      config.spa = /^(true|yes|on)$/i.test(value);
    } else if (key === 'pushstate') {
      config.spa = value === 'enabled';
    }
  }
  return config;
}

/**
 * A site of plain files: a Staticfile (its `root:`, else the root), or
 * index.html at the root or in public/.
 */
export function detectStatic(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  const config = staticfileConfig(tree);
  let source: string;
  if (config.root !== undefined) {
    source = config.root;
  } else if (tree.has('index.html') || tree.has('Staticfile')) {
    source = '.';
  } else if (tree.has('public/index.html')) {
    source = 'public';
  } else {
    return undefined;
  }
  const notes = [
    `serving ${source === '.' ? 'the repository root' : `${source}/`}`,
  ];
  if (tree.has('Staticfile')) notes.push('settings from the Staticfile');
  const b = new DockerfileBuilder(header('static'));
  serveStatic(b, {
    source,
    spa: config.spa ?? false,
    start: ctx.startOverride,
  });
  return {
    stack: 'static',
    dockerfile: b,
    dockerignore: [...BASE_IGNORE, 'node_modules', 'Procfile', 'Staticfile'],
    notes,
  };
}
