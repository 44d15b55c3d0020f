import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../__testUtils__/tempDir';
import { runDetectCli } from './cli';
import { fixturePath } from './__testUtils__/fixtures';
import {
  checkNotWorkspaceMember,
  WorkspaceMemberError,
} from './workspaceAbove';

/** The error `fn` throws, or undefined when it returns. */
function errorOf(fn: () => unknown): unknown {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e;
  }
}

function member(fixture: string, sub: string) {
  const root = fixturePath(fixture);
  return errorOf(() => checkNotWorkspaceMember(root, path.join(root, sub)));
}

describe('checkNotWorkspaceMember', () => {
  it.each([
    ['node-workspaces-app', 'apps/api', 'npm workspace (package.json)'],
    ['go-workspace', 'api', 'Go workspace (go.work)'],
    ['rust-workspace', 'crates/server', 'Cargo workspace (Cargo.toml)'],
  ])('%s/%s: %s', (fixture, sub, workspace) => {
    const error = member(fixture, sub);
    expect(error).toBeInstanceOf(WorkspaceMemberError);
    expect((error as WorkspaceMemberError).code).toBe('WorkspaceMember');
    expect((error as Error).message).toBe(
      `kli8nt.io/source-path '${sub}' is inside the ${workspace} at the repository root: ` +
        'its lockfile and shared packages are outside the build context. ' +
        'Remove kli8nt.io/source-path to build the workspace from its root ' +
        '(the detector picks the app, see "Choosing the app when there are several"), ' +
        `or add a Dockerfile or a lockfile of its own to ${sub}.`,
    );
  });

  it('lets a self-contained app of a plain monorepo through', () => {
    expect(member('monorepo-apps', 'apps/web')).toBeUndefined();
    expect(member('monorepo-apps', 'apps/docs')).toBeUndefined();
    expect(member('node-pnpm', '.')).toBeUndefined();
  });

  it('lets a member with its own Dockerfile or lockfile through, and names a nested workspace', () => {
    const root = tempDir('kli8nt-ws-');
    fs.mkdirSync(path.join(root, 'libs/js/pkg'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'libs/js/pnpm-workspace.yaml'),
      'packages: ["*"]\n',
    );
    const pkg = path.join(root, 'libs/js/pkg');
    expect(
      (errorOf(() => checkNotWorkspaceMember(root, pkg)) as Error).message,
    ).toContain(
      "'libs/js/pkg' is inside the pnpm workspace (pnpm-workspace.yaml) at 'libs/js' of the repository",
    );
    fs.writeFileSync(path.join(pkg, 'Dockerfile'), 'FROM scratch\n');
    expect(errorOf(() => checkNotWorkspaceMember(root, pkg))).toBeUndefined();
    fs.rmSync(path.join(pkg, 'Dockerfile'));
    fs.writeFileSync(
      path.join(pkg, 'pnpm-lock.yaml'),
      "lockfileVersion: '9.0'\n",
    );
    expect(errorOf(() => checkNotWorkspaceMember(root, pkg))).toBeUndefined();
  });

  it('refuses through kli8nt-detect --checkout with exit code 2', () => {
    const root = fixturePath('node-workspaces-app');
    let stdout = '';
    const status = runDetectCli(
      ['--json', '--checkout', root, path.join(root, 'apps/api')],
      { stdout: t => (stdout += t), stderr: () => undefined },
    );
    expect(status).toBe(2);
    expect(JSON.parse(stdout).error).toMatchObject({
      name: 'WorkspaceMemberError',
      code: 'WorkspaceMember',
    });
  });
});
