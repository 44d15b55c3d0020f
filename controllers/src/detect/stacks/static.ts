import { BASE_IMAGES, DEFAULT_PORT } from '../baseImages';
import {
  BASE_IGNORE,
  DetectContext,
  StackResult,
  header,
  runtimeTail,
} from '../common';
import { DockerfileBuilder } from '../dockerfile';

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

/** A site of plain files: index.html at the root, or in public/. */
export function detectStatic(ctx: DetectContext): StackResult | undefined {
  const { tree } = ctx;
  let source: string;
  if (tree.has('index.html')) {
    source = '.';
  } else if (tree.has('public/index.html')) {
    source = 'public';
  } else {
    return undefined;
  }
  const b = new DockerfileBuilder(header('static'));
  serveStatic(b, { source, spa: false, start: ctx.startOverride });
  return {
    stack: 'static',
    dockerfile: b,
    dockerignore: [...BASE_IGNORE, 'node_modules', 'Procfile'],
    notes: [`serving ${source === '.' ? 'the repository root' : 'public/'}`],
  };
}
