import { RealBuildCase } from './cases';

/** The detector's newer families, built here (cases.ts holds those the BuildKit suites share). */
export interface DetectorCase extends RealBuildCase {
  /** A worker: instead of answering HTTP it must keep running and log this. */
  workerLog?: string;
  /**
   * Why the dependency-layer check does not apply (a workspace is copied
   * whole before its install; a static site has no dependency layer).
   */
  noDependencyLayers?: string;
}

export const DETECTOR_CASES: DetectorCase[] = [
  {
    name: 'bun',
    fixture: 'node-bun',
    sourceFile: 'server.ts',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from bun',
  },
  {
    name: 'bun workspaces (bunfig.toml)',
    fixture: 'node-bun-workspaces',
    sourceFile: 'index.ts',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from bun workspaces',
    noDependencyLayers: 'workspaces: the repository is copied whole',
  },
  {
    name: 'go workspace (go.work)',
    fixture: 'go-workspace',
    sourceFile: 'api/main.go',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from a go workspace',
  },
  {
    name: 'python (uv-packaged script)',
    fixture: 'python-uv-packaged',
    sourceFile: 'src/uv_packaged/__init__.py',
    change: '\n# changed by the real-build test\n',
    expectBody: 'hello from a uv-packaged app',
  },
  {
    name: 'python (Flask, gunicorn added)',
    fixture: 'python-flask-plain',
    sourceFile: 'app.py',
    change: '\n# changed by the real-build test\n',
    expectBody: 'hello from flask under gunicorn',
  },
  {
    name: 'python worker (Procfile)',
    fixture: 'python-worker',
    sourceFile: 'worker.py',
    change: '\n# changed by the real-build test\n',
    expectBody: '',
    workerLog: 'worker: waiting for jobs',
  },
  {
    name: 'static (Staticfile root)',
    fixture: 'static-staticfile',
    sourceFile: 'site/index.html',
    change: '\n<!-- changed by the real-build test -->\n',
    expectBody: 'hello from a Staticfile site',
    noDependencyLayers: 'a static site copies only its root',
  },
  {
    name: 'node (package.json5, pnpm)',
    fixture: 'node-pnpm-json5',
    sourceFile: 'server.js',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from node (package.json5)',
  },
  {
    name: 'node (workspace app)',
    fixture: 'node-workspaces-app',
    sourceFile: 'apps/api/server.js',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from a workspace app',
    noDependencyLayers: 'npm workspaces: the repository is copied whole',
  },
];
