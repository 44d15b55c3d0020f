/*
 * GitHub's REST API as the portal sees it during browser tests: the one
 * thing the tests cannot reach. It is testenv's local GitHub
 * (scripts/testenv/src/github) over a fixture repository set instead of a
 * git root: every repository exists, is public and has the branches and
 * commits of the backend's GitHub test fixtures. On 127.0.0.1 only.
 */
import http from 'node:http';
import * as fx from '../plugins/kli8nt-backend/src/__testUtils__/githubFixtures';
import type {
  CommitInfo,
  RepoSource,
} from '../scripts/testenv/src/github/repos';
import { createFakeGithub } from '../scripts/testenv/src/github/server';

const port = Number(process.env.FAKE_GITHUB_PORT ?? 7099);
// The token of e2e-tests/app-config.e2e.yaml; any other one is refused.
const token = process.env.FAKE_GITHUB_TOKEN ?? 'e2e-fake-token';

const { commit: fixtureCommit } = fx.commit(fx.SHA);
const commit = (sha: string): CommitInfo => ({
  sha,
  tree: sha,
  parents: [],
  message: fixtureCommit.message,
  author: fixtureCommit.author,
  committer: fixtureCommit.committer,
});

const fixtures: RepoSource = {
  async repo(owner, name) {
    const { default_branch, description } = fx.repository(name);
    return {
      owner,
      name,
      private: false,
      defaultBranch: default_branch,
      description,
    };
  },
  async branches() {
    return [
      { name: 'feature', sha: fx.OTHER_SHA },
      { name: 'main', sha: fx.SHA },
    ];
  },
  // As before: 'feature' is the other commit, every other ref main's.
  async commit(_owner, _name, ref) {
    return commit(ref === 'feature' ? fx.OTHER_SHA : fx.SHA);
  },
  async owners() {
    return [];
  },
  async list() {
    return [];
  },
  gitDir() {
    return undefined;
  },
};

const fake = createFakeGithub({
  repos: fixtures,
  urls: { web: 'https://github.com', api: `http://127.0.0.1:${port}` },
  pat: token,
  log: line => process.stdout.write(`${line}\n`),
});

http.createServer(fake.handler).listen(port, '127.0.0.1', () => {
  process.stdout.write(`fake GitHub API on http://127.0.0.1:${port}\n`);
});
