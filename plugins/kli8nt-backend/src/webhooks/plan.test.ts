import { appNameSchema } from '@kli8nt/backstage-plugin-kli8nt-common';
import { GitSettingsRecord } from './GitStore';
import {
  parsePullRequest,
  parsePush,
  PullRequestEvent,
  PushEvent,
} from './payloads';
import {
  previewAppName,
  previewDecision,
  previewSettings,
  previewsToStop,
  pushDecision,
} from './plan';

const sha = (c: string) => c.repeat(40);

const repository = {
  name: 'shop',
  owner: { login: 'acme' },
  html_url: 'https://github.example.com/acme/shop',
  default_branch: 'main',
};

function pushPayload(overrides: Record<string, unknown> = {}) {
  return {
    ref: 'refs/heads/main',
    before: sha('a'),
    after: sha('b'),
    compare: 'https://github.example.com/acme/shop/compare/aaaaaaa...bbbbbbb',
    pusher: { name: 'jane', email: 'jane@example.com' },
    repository,
    commits: [
      {
        id: sha('b'),
        added: ['web/a.ts'],
        removed: [],
        modified: ['README.md'],
      },
    ],
    ...overrides,
  };
}

function push(overrides: Record<string, unknown> = {}): PushEvent {
  const parsed = parsePush(pushPayload(overrides));
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.event;
}

function pr(
  action: string,
  overrides: { base?: string; fork?: boolean; headRepo?: string | null } = {},
): PullRequestEvent {
  const headRepo =
    overrides.headRepo === null
      ? null
      : {
          full_name: overrides.headRepo ?? 'acme/shop',
          fork: overrides.fork ?? false,
        };
  const parsed = parsePullRequest({
    action,
    number: 7,
    pull_request: {
      html_url: 'https://github.example.com/acme/shop/pull/7',
      user: { login: 'sam' },
      head: { ref: 'feature', sha: sha('c'), repo: headRepo },
      base: { ref: overrides.base ?? 'main', repo: { full_name: 'acme/shop' } },
    },
    repository,
  });
  if ('problem' in parsed) throw new Error(parsed.problem);
  return parsed.event;
}

const settings = (
  overrides: Partial<GitSettingsRecord> = {},
): GitSettingsRecord => ({
  entityRef: 'component:default/shop',
  repo: { host: 'github.example.com', owner: 'acme', name: 'shop' },
  autoDeployBranch: 'main',
  previews: { enabled: true, limit: 3, secrets: true },
  updatedBy: 'user:default/jane',
  updatedAt: '2026-12-01T00:00:00.000Z',
  ...overrides,
});

const everything = () => true;

describe('parsePush', () => {
  it('reads the branch, head, pusher, compare link and changed paths', () => {
    expect(push()).toEqual({
      repo: { host: 'github.example.com', owner: 'acme', name: 'shop' },
      branch: 'main',
      after: sha('b'),
      deleted: false,
      pusher: 'jane',
      compareUrl: pushPayload().compare,
      commitCount: 1,
      changedPaths: ['README.md', 'web/a.ts'],
    });
  });

  it('names what is missing instead of acting', () => {
    expect(parsePush({ ...pushPayload(), after: 'HEAD' })).toEqual({
      problem: expect.stringContaining('after: must be a 40-hex commit SHA'),
    });
    expect(parsePush({ ref: 'refs/heads/main' })).toEqual({
      problem: expect.stringContaining('pusher'),
    });
  });

  it('takes an all-zero head as a deletion and a tag as no branch', () => {
    expect(push({ after: sha('0') }).deleted).toBe(true);
    expect(push({ ref: 'refs/tags/v1' }).branch).toBeUndefined();
  });
});

describe('pushDecision', () => {
  it('deploys the head of a push to the tracked branch', () => {
    expect(pushDecision(push(), settings(), everything)).toEqual({
      deploy: sha('b'),
    });
  });

  it.each([
    ['auto-deploy is off', push(), settings({ autoDeployBranch: undefined })],
    [
      'pushed to dev, the app tracks main',
      push({ ref: 'refs/heads/dev' }),
      settings(),
    ],
    ['not a branch push', push({ ref: 'refs/tags/main' }), settings()],
    [
      'the branch was deleted',
      push({ after: sha('0'), deleted: true }),
      settings(),
    ],
  ])('skips when %s', (why, event, s) => {
    expect(pushDecision(event, s, everything)).toEqual({ skip: why });
  });

  it("skips a push that changed nothing under the app's source path", () => {
    const seen: string[][] = [];
    const decision = pushDecision(push(), settings(), paths => {
      seen.push(paths);
      return false;
    });
    expect(decision).toEqual({
      skip: "the push changed nothing under the app's source path",
    });
    expect(seen).toEqual([['README.md', 'web/a.ts']]);
  });

  it('deploys when the paths are unknown or may be cut at 20 commits', () => {
    const never = () => false;
    expect(pushDecision(push({ commits: [] }), settings(), never)).toEqual({
      deploy: sha('b'),
    });
    const twenty = Array.from({ length: 20 }, () => ({ modified: ['x'] }));
    expect(pushDecision(push({ commits: twenty }), settings(), never)).toEqual({
      deploy: sha('b'),
    });
  });
});

describe('previewDecision', () => {
  it.each(['opened', 'reopened', 'synchronize'])(
    '%s against the tracked branch deploys, with secrets if allowed',
    action => {
      expect(previewDecision(pr(action), settings())).toEqual({
        kind: 'deploy',
        secrets: true,
      });
    },
  );

  it('never gives secrets to a fork, nor when the setting is off', () => {
    const fork = pr('opened', { headRepo: 'mallory/shop', fork: true });
    expect(fork.fromFork).toBe(true);
    expect(previewDecision(fork, settings())).toEqual({
      kind: 'deploy',
      secrets: false,
    });
    expect(pr('opened', { headRepo: null }).fromFork).toBe(true);
    expect(
      previewDecision(
        pr('opened'),
        settings({ previews: { enabled: true, limit: 3, secrets: false } }),
      ),
    ).toEqual({ kind: 'deploy', secrets: false });
  });

  it('tears down on close, merged or not, even with previews off now', () => {
    expect(
      previewDecision(
        pr('closed'),
        settings({ previews: { enabled: false, limit: 3, secrets: false } }),
      ),
    ).toEqual({ kind: 'teardown' });
  });

  it('skips other bases, other actions and previews off', () => {
    expect(previewDecision(pr('opened', { base: 'dev' }), settings())).toEqual({
      skip: 'the pull request targets dev, the app tracks main',
    });
    expect(previewDecision(pr('labeled'), settings())).toEqual({
      skip: 'action labeled changes no code',
    });
    expect(
      previewDecision(
        pr('opened'),
        settings({ previews: { enabled: false, limit: 3, secrets: false } }),
      ),
    ).toEqual({ skip: 'previews are off' });
  });

  it('tracks the default branch while auto-deploy is off', () => {
    expect(
      previewDecision(pr('opened'), settings({ autoDeployBranch: undefined })),
    ).toEqual({ kind: 'deploy', secrets: true });
  });
});

describe('previewAppName', () => {
  it('is pr-<n>--<app>, one DNS label', () => {
    expect(previewAppName(12, 'shop')).toBe('pr-12--shop');
  });

  it('stays a valid label for the longest app names, and apart', () => {
    const a = `${'a'.repeat(60)}-x1`;
    const b = `${'a'.repeat(60)}-x2`;
    const na = previewAppName(123456, a);
    const nb = previewAppName(123456, b);
    for (const name of [na, nb]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name.startsWith('pr-123456--')).toBe(true);
      expect(appNameSchema.safeParse(name).success).toBe(true);
    }
    expect(na).not.toBe(nb);
  });
});

describe('previewsToStop', () => {
  it('stops the oldest so that one more fits', () => {
    expect(previewsToStop([1, 2, 3], 3)).toEqual([1]);
    expect(previewsToStop([1, 2, 3, 4], 3)).toEqual([1, 2]);
    expect(previewsToStop([1, 2], 3)).toEqual([]);
    expect(previewsToStop([1], 1)).toEqual([1]);
  });
});

describe('previewSettings', () => {
  const parent = {
    port: 3000,
    replicas: 2,
    healthCheckPath: '/healthz',
    domains: ['shop.example.com'],
    env: { A: '1' },
    secretEnv: { TOKEN: 'v1.k.sealed' },
    resources: { cpu: '500m' },
  };

  it("is the parent's, without its domains, with secrets only if allowed", () => {
    const { domains: _d, secretEnv: _s, ...shared } = parent;
    expect(previewSettings(parent, true)).toEqual({
      ...shared,
      domains: [],
      secretEnv: { TOKEN: 'v1.k.sealed' },
    });
    expect(previewSettings(parent, false)).toEqual({
      ...shared,
      domains: [],
      secretEnv: {},
    });
    expect(parent.domains).toEqual(['shop.example.com']);
  });
});
