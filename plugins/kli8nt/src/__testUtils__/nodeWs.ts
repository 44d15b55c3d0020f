import type * as WsModule from 'ws';

/**
 * The Node build of `ws`. Under the jsdom test environment a plain import
 * resolves to its browser stub, so load its Node entry point by path.
 */
export function loadNodeWs(): typeof WsModule {
  const pkg = require.resolve('ws/package.json');
  // eslint-disable-next-line @backstage/no-relative-monorepo-imports
  return require(pkg.replace(/package\.json$/, 'index.js'));
}
