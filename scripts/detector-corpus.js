/* eslint-disable */
// Judges the stack detector over a directory of example apps (see
// scripts/detector-corpus). Run from controllers/ so the TypeScript sources
// load through Backstage's require hook.
//
//   node scripts/detector-corpus.js <railpack git dir> [--json] [--verbose]
//
// Per example: detected (a plan, no error), correct family (the plan's stack
// is the one the example's name says), runnable start command (a production
// start that refers to what the image will hold: an existing script, file,
// module or built binary; never a dev server; a server-rendered app is not
// served as static files; an app railpack's test.json checks over HTTP is
// a web process, not a worker). The expected family comes from the example's
// name prefix; examples of languages the detector does not build (C++, Deno,
// Elixir, Gleam, shell) and those that test railpack's own configuration
// (railpack.json, mise, secrets, .dockerignore handling) are out of scope.
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const { parseArgs } = require('node:util');

require('@backstage/cli/config/nodeTransform.cjs');
const { detect, readDirectoryTree } = require(path.resolve(
  process.cwd(),
  'src/detect/index.ts',
));

const FAMILIES = [
  ['node-', 'node'],
  ['bun-', 'node'],
  ['npm-', 'node'],
  ['pnpm-', 'node'],
  ['tanstack-', 'node'],
  ['expo-', 'node'],
  ['python-', 'python'],
  ['go-', 'go'],
  ['java-', 'java'],
  ['php-', 'php'],
  ['ruby-', 'ruby'],
  ['rust-', 'rust'],
  ['dotnet-', 'dotnet'],
  ['staticfile-', 'static'],
];
const OUT_OF_SCOPE_PREFIXES = ['cpp-', 'deno-', 'elixir-', 'gleam-', 'shell-'];
const RAILPACK_FEATURE_TESTS = [
  'config-file',
  'mise-config',
  'secrets',
  'railpack-env-configuration',
  'dockerignore',
];
/** Server-rendered examples: serving them as static files would break them. */
const SSR = [
  'node-next',
  'node-nuxt',
  'node-remix',
  'node-svelte-kit',
  'node-tanstack-start',
  'tanstack-latest',
  'node-astro-server',
  'node-vite-react-router-ssr',
  'node-nx-next',
];

const DEV_SERVER =
  /\b(vite(?!\s+build)|next dev|nuxt dev|nodemon|runserver|flask( --app \S+)? run|astro dev|react-scripts start|ng serve|ts-node-dev)\b/;

function expectedFamily(name) {
  if (OUT_OF_SCOPE_PREFIXES.some(p => name.startsWith(p))) return undefined;
  if (RAILPACK_FEATURE_TESTS.includes(name)) return undefined;
  return FAMILIES.find(([p]) => name.startsWith(p))?.[1];
}

/** A package's manifest: package.json, or (for pnpm, which reads it) package.json5. */
function readPackage(dir, pm) {
  const manifests = [['package.json', JSON.parse]];
  if (pm === 'pnpm') {
    manifests.push(['package.json5', t => JSON.parse(json5ToJson(t))]);
  }
  for (const [name, parse] of manifests) {
    try {
      return parse(fs.readFileSync(path.join(dir, name), 'utf8'));
    } catch {
      // absent or unreadable: try the next
    }
  }
  return undefined;
}

/** The WORKDIR of the final stage: where the start command runs. */
function finalWorkdir(dockerfile) {
  let workdir = '/';
  for (const line of dockerfile.split('\n')) {
    if (line.startsWith('FROM ')) workdir = '/';
    const m = line.match(/^WORKDIR (\S+)/);
    if (m) workdir = path.posix.resolve(workdir, m[1]);
  }
  return workdir;
}

/**
 * Why the start command would not run (or not serve in production), or
 * undefined when it would. `dir` is the example on disk; `appDir` the
 * directory inside it that the final stage's WORKDIR corresponds to.
 */
function startProblem(name, plan, dir) {
  const argv = plan.startCommand;
  if (!argv || argv.length === 0) return 'no start command';
  // railpack's own test checks HTTP on these: they must be web processes.
  const checks = fs.existsSync(path.join(dir, 'test.json'))
    ? fs.readFileSync(path.join(dir, 'test.json'), 'utf8')
    : '';
  const main = (plan.processes ?? [{ type: 'web' }]).find(
    p => p.type !== 'release',
  );
  if (checks.includes('"httpCheck"') && main.type !== 'web') {
    return `serves HTTP (test.json httpCheck) but planned as a ${main.type}`;
  }
  const line = argv.join(' ');
  if (DEV_SERVER.test(line)) return `dev server: ${line}`;
  const isCaddy = argv[0] === 'caddy';
  if (SSR.includes(name) && isCaddy) return 'SSR app served as static files';
  if (isCaddy) return undefined;
  const workdir = finalWorkdir(plan.dockerfile);
  const appDir = path.join(dir, path.posix.relative('/app', workdir));
  const built = !!plan.buildCommand || /\bRUN .*build/.test(plan.dockerfile);
  const exists = p =>
    fs.existsSync(path.join(appDir, p)) || fs.existsSync(path.join(dir, p));

  const [prog, ...args] = argv;
  if (prog === 'sh' && args[0] === '-c') {
    const script = args[1];
    if (DEV_SERVER.test(script)) return `dev server: ${script}`;
    return undefined;
  }
  if (['npm', 'bun', 'yarn', 'pnpm'].includes(prog) && args[0] === 'run') {
    const pkg = readPackage(appDir, prog) ?? readPackage(dir, prog);
    const script = pkg?.scripts?.[args[1]];
    if (!script) return `${prog}: no scripts.${args[1]} in package.json`;
    if (DEV_SERVER.test(script)) return `dev server: ${script}`;
    return undefined;
  }
  if (['node', 'bun', 'python', 'python3', 'php', 'ruby'].includes(prog)) {
    const file = args.find(a => !a.startsWith('-'));
    if (!file) return undefined;
    if (exists(file) || exists(`${file}.js`) || exists(`${file}/index.js`))
      return undefined;
    if (built) return undefined; // a build output, e.g. dist/server.js
    return `${file} does not exist`;
  }
  if (['gunicorn', 'uvicorn'].includes(prog)) {
    const target = args.find(a => a.includes(':'));
    if (!target) return `${prog} without a module:app target`;
    const mod = target.split(':')[0].replace(/\./g, '/');
    if (exists(`${mod}.py`) || exists(`${mod}/__init__.py`)) return undefined;
    if (exists(`src/${mod}.py`) || exists(`src/${mod}/__init__.py`))
      return undefined;
    return `${target}: no module file`;
  }
  // Compiled binaries (/app/server), console scripts from the venv, bundle exec…
  return undefined;
}

/**
 * Writes the blobs under examples/ of HEAD into a temporary directory and
 * returns it. Objects the mirror lacks (its largest files) are skipped: no
 * detector rule reads a binary cache.
 */
function exportExamples(gitDir) {
  const git = (args, input) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], {
      input,
      maxBuffer: 1024 * 1024 * 1024,
    });
  const commit = git(['rev-parse', 'HEAD']).toString().trim();
  const entries = git(['ls-tree', '-r', '-z', commit, 'examples'])
    .toString()
    .split('\0')
    .filter(Boolean)
    .map(e => {
      const [meta, file] = e.split('\t');
      const [mode, type, oid] = meta.split(' ');
      return { mode, type, oid, file };
    })
    .filter(e => e.type === 'blob' && e.mode !== '120000');
  const out = git(
    ['cat-file', '--batch'],
    entries.map(e => e.oid).join('\n') + '\n',
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kli8nt-corpus-'));
  let pos = 0;
  let skipped = 0;
  for (const e of entries) {
    const nl = out.indexOf(0x0a, pos);
    const header = out.subarray(pos, nl).toString();
    pos = nl + 1;
    if (header.endsWith(' missing')) {
      skipped++;
      continue;
    }
    const size = Number(header.split(' ')[2]);
    const target = path.join(dir, e.file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, out.subarray(pos, pos + size));
    pos += size + 1;
  }
  return { dir, commit, skipped };
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
  });
  const exported = exportExamples(positionals[0]);
  const source = `railwayapp/railpack@${exported.commit.slice(0, 12)}`;
  const root = path.join(exported.dir, 'examples');
  try {
    report(root, source, values);
  } finally {
    fs.rmSync(exported.dir, { recursive: true, force: true });
  }
}

function report(root, source, values) {
  const names = fs
    .readdirSync(root, { withFileTypes: true })
    .filter(e => e.isDirectory())
    .map(e => e.name)
    .sort();
  const results = names.map(name => {
    const family = expectedFamily(name);
    const dir = path.join(root, name);
    const result = { name, inScope: !!family, expected: family };
    try {
      const plan = detect(readDirectoryTree(dir));
      result.detected = true;
      result.stack = plan.stack;
      result.framework = plan.framework;
      result.start = plan.startCommand;
      result.processes = plan.processes;
      // The repository's own Dockerfile wins over detection, by design.
      result.correctFamily =
        plan.stack === family ||
        (plan.stack === 'dockerfile' &&
          fs.existsSync(path.join(dir, 'Dockerfile')));
      result.problem = startProblem(name, plan, dir);
      result.runnable = !result.problem;
    } catch (e) {
      result.detected = false;
      result.correctFamily = false;
      result.runnable = false;
      result.problem = `${e.code ?? e.name}: ${e.message}`;
    }
    return result;
  });
  const inScope = results.filter(r => r.inScope);
  const rate = key => inScope.filter(r => r[key]).length;
  const pct = n => `${((100 * n) / inScope.length).toFixed(1)} %`;
  const all = inScope.filter(
    r => r.detected && r.correctFamily && r.runnable,
  ).length;
  const summary = {
    source,
    examples: results.length,
    inScope: inScope.length,
    detected: rate('detected'),
    correctFamily: rate('correctFamily'),
    runnableStart: rate('runnable'),
    allThree: all,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ summary, results }, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    const ok = r.detected && r.correctFamily && r.runnable;
    if (!r.inScope && !values.verbose) continue;
    if (ok && !values.verbose) continue;
    const what = r.detected
      ? `${r.stack}${r.framework ? ` (${r.framework})` : ''}: ${JSON.stringify(
          r.start,
        )}`
      : 'not detected';
    const status = !r.inScope ? 'out of scope' : ok ? 'ok' : 'FAIL';
    process.stdout.write(
      `${status.padEnd(12)} ${r.name.padEnd(34)} ${what}${
        r.problem ? `\n${' '.repeat(13)}${r.problem}` : ''
      }\n`,
    );
  }
  process.stdout.write(
    [
      '',
      `corpus: ${summary.source ?? root} — ${summary.examples} examples, ${
        summary.inScope
      } in scope`,
      `detected:               ${summary.detected}/${summary.inScope} (${pct(
        summary.detected,
      )})`,
      `correct family:         ${summary.correctFamily}/${
        summary.inScope
      } (${pct(summary.correctFamily)})`,
      `runnable start command: ${summary.runnableStart}/${
        summary.inScope
      } (${pct(summary.runnableStart)})`,
      `all three:              ${summary.allThree}/${summary.inScope} (${pct(
        summary.allThree,
      )})`,
      '',
    ].join('\n'),
  );
}

main();
