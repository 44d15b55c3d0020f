import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildPlanReportSchema,
  buildPlanSchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { MAX_PLAN_FILE_BYTES, planFileText, runDetectCli } from './cli';
import { fixturePath } from './__testUtils__/fixtures';

const BIN = path.resolve(__dirname, '../../bin/kli8nt-detect');

function spawnCli(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
  };
}

function runInProcess(args: string[]) {
  let stdout = '';
  let stderr = '';
  const status = runDetectCli(args, {
    stdout: t => {
      stdout += t;
    },
    stderr: t => {
      stderr += t;
    },
  });
  return { status, stdout, stderr };
}

describe('kli8nt-detect (spawned)', () => {
  it('prints the plan as JSON and exits 0', () => {
    const { status, stdout } = spawnCli([fixturePath('go-root'), '--json']);
    expect(status).toBe(0);
    const plan = buildPlanSchema.parse(JSON.parse(stdout));
    expect(plan).toMatchObject({ stack: 'go', port: 8080, generated: true });
  });

  it('prints the error as JSON and exits 2 when it cannot detect', () => {
    const { status, stdout, stderr } = spawnCli([
      fixturePath('empty'),
      '--json',
    ]);
    expect(status).toBe(2);
    const { error } = JSON.parse(stdout);
    expect(error).toMatchObject({
      code: 'NoStackDetected',
      name: 'NoStackDetectedError',
    });
    expect(error.lookedFor).toContain('package.json');
    expect(stderr).toMatch(/looked for: Dockerfile, /);
  });
});

describe('kli8nt-detect (in process)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kli8nt-cli-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints a human summary without --json', () => {
    const { status, stdout } = runInProcess([fixturePath('python-flask')]);
    expect(status).toBe(0);
    expect(stdout).toMatch(/^stack: +python$/m);
    expect(stdout).toMatch(/^framework: +flask$/m);
    expect(stdout).toContain('CMD ["gunicorn", "app:app"]');
  });

  it('honours --dockerfile', () => {
    const { status, stdout } = runInProcess([
      fixturePath('dockerfile-custom-path'),
      '--json',
      '--dockerfile',
      'deploy/app.Dockerfile',
    ]);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      stack: 'dockerfile',
      port: 9000,
    });
    expect(
      runInProcess([
        fixturePath('dockerfile-custom-path'),
        '--json',
        '--dockerfile',
        'nope',
      ]).status,
    ).toBe(2);
  });

  it('--plan-file writes the plan with its processes, without the file texts', () => {
    const planFile = path.join(dir, 'plan.json');
    const { status } = runInProcess([
      fixturePath('python-procfile'),
      '--plan-file',
      planFile,
    ]);
    expect(status).toBe(0);
    const written = JSON.parse(fs.readFileSync(planFile, 'utf8'));
    const full = JSON.parse(
      runInProcess([fixturePath('python-procfile'), '--json']).stdout,
    );
    const { dockerfile, dockerignore, ...expected } = full;
    expect(written).toEqual(expected);
    expect(written.processes).toEqual([
      {
        name: 'web',
        type: 'web',
        command: ['sh', '-c', 'python serve.py --port "$PORT"'],
      },
      {
        name: 'release',
        type: 'release',
        command: ['sh', '-c', 'echo migrating'],
      },
    ]);
    // What the build controller reads from it.
    expect(buildPlanReportSchema.parse(written)).toEqual({
      stack: 'python',
      port: 8080,
      processes: written.processes,
    });
  });

  it('--plan-file keeps within a termination message: remarks go first, processes never', () => {
    const plan = JSON.parse(
      runInProcess([fixturePath('python-procfile'), '--json']).stdout,
    );
    const notes = Array.from({ length: 30 }, () => 'n'.repeat(200));
    const shorter = JSON.parse(planFileText({ ...plan, notes }));
    expect(shorter.notes).toEqual([]);
    expect(shorter.processes).toEqual(plan.processes);

    const long = {
      name: 'web',
      type: 'web',
      command: ['sh', '-c', 'x'.repeat(5000)],
    };
    expect(() => planFileText({ ...plan, processes: [long] })).toThrow(
      /too long for the build report .* move long Procfile commands into a script/,
    );
    expect(Buffer.byteLength(planFileText(plan))).toBeLessThanOrEqual(
      MAX_PLAN_FILE_BYTES,
    );
  });

  it('--write writes Dockerfile and .dockerignore, keeping an existing .dockerignore', () => {
    fs.writeFileSync(path.join(dir, 'index.html'), '<h1>hi</h1>');
    const first = runInProcess([dir, '--json', '--write']);
    expect(first.status).toBe(0);
    const plan = JSON.parse(first.stdout);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8')).toBe(
      plan.dockerfile,
    );
    expect(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toBe(
      plan.dockerignore,
    );
    expect(first.stderr).toContain('wrote Dockerfile, .dockerignore');

    // Now the repository has its own Dockerfile: nothing more is written.
    const second = runInProcess([dir, '--json', '--write']);
    expect(second.status).toBe(0);
    expect(JSON.parse(second.stdout).stack).toBe('dockerfile');
    expect(second.stderr).toContain('nothing written');
  });

  it('--write keeps a .dockerignore the repository brings', () => {
    fs.writeFileSync(path.join(dir, 'index.html'), '<h1>hi</h1>');
    fs.writeFileSync(path.join(dir, '.dockerignore'), 'mine\n');
    expect(runInProcess([dir, '--write']).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toBe(
      'mine\n',
    );
    expect(fs.existsSync(path.join(dir, 'Dockerfile'))).toBe(true);
  });

  it('--write refuses to follow a planted Dockerfile symlink', () => {
    const target = path.join(dir, '..', `${path.basename(dir)}-target`);
    fs.writeFileSync(path.join(dir, 'index.html'), '<h1>hi</h1>');
    fs.symlinkSync(target, path.join(dir, 'Dockerfile'));
    const { status, stderr } = runInProcess([dir, '--write']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/EEXIST/);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('exits 1 on usage errors and a missing directory', () => {
    expect(runInProcess([]).status).toBe(1);
    expect(runInProcess(['a', 'b']).status).toBe(1);
    expect(runInProcess(['--bogus', 'a']).status).toBe(1);
    expect(runInProcess([path.join(dir, 'missing'), '--json']).status).toBe(1);
    expect(runInProcess(['--help']).status).toBe(0);
  });
});
