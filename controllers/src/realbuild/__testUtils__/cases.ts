/**
 * The fixture apps the real-build suite builds, runs and requests. Each
 * names a source file (not a dependency manifest) to change for the rebuild
 * that must reuse the dependency layer, and text the app's answer contains.
 */
export interface RealBuildCase {
  /** Row name in the summary table. */
  name: string;
  /** Directory under controllers/fixtures. */
  fixture: string;
  /** A source file (relative to the fixture) changed before the rebuild. */
  sourceFile: string;
  /** Appended to `sourceFile`: a comment in its language. */
  change: string;
  /** The answer to GET / contains this. */
  expectBody: string;
  /**
   * Complete the fixture's package-lock.json with `npm install
   * --package-lock-only` before detection: the fixture's lock is a stub
   * without its dependencies, and `npm ci` (rightly) refuses it.
   */
  completeNpmLock?: boolean;
  /**
   * Put the real content-hash into the fixture's poetry.lock (it holds a
   * placeholder, which `poetry install` rejects as out of date).
   */
  completePoetryLock?: boolean;
}

export const REAL_BUILD_CASES: RealBuildCase[] = [
  {
    name: 'node (npm)',
    fixture: 'node-npm',
    sourceFile: 'server.js',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from node (npm)',
  },
  {
    name: 'node (pnpm)',
    fixture: 'node-pnpm',
    sourceFile: 'server.mjs',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from node (pnpm)',
  },
  {
    name: 'SPA (vite)',
    fixture: 'node-vite',
    sourceFile: 'src/main.js',
    change: '\n// changed by the real-build test\n',
    expectBody: '<div id="app">',
    completeNpmLock: true,
  },
  {
    name: 'python (pip)',
    fixture: 'python-pip',
    sourceFile: 'main.py',
    change: '\n# changed by the real-build test\n',
    expectBody: 'hello from python (pip)',
  },
  {
    name: 'python (uv)',
    fixture: 'python-uv',
    sourceFile: 'main.py',
    change: '\n# changed by the real-build test\n',
    expectBody: 'hello from python (uv)',
  },
  {
    name: 'python (poetry)',
    fixture: 'python-poetry',
    sourceFile: 'main.py',
    change: '\n# changed by the real-build test\n',
    expectBody: 'hello from python (poetry)',
    completePoetryLock: true,
  },
  {
    name: 'go',
    fixture: 'go-root',
    sourceFile: 'main.go',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from go',
  },
  {
    name: 'java (maven)',
    fixture: 'java-maven',
    sourceFile: 'src/main/java/com/example/App.java',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from java',
  },
  {
    name: 'static html',
    fixture: 'static-root',
    sourceFile: 'index.html',
    change: '\n<!-- changed by the real-build test -->\n',
    expectBody: 'hello from a static site',
  },
  {
    name: 'php',
    fixture: 'php-plain',
    sourceFile: 'index.php',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from php',
  },
  {
    name: 'php (composer)',
    fixture: 'php-composer',
    sourceFile: 'src/Greeter.php',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from php (composer)',
  },
  {
    name: 'own Dockerfile',
    fixture: 'dockerfile',
    sourceFile: 'server.js',
    change: '\n// changed by the real-build test\n',
    expectBody: 'hello from a custom Dockerfile',
  },
];
