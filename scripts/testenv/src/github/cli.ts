/*
 * Puts local directories into the fake GitHub's git root:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs cli.ts \
 *     add <dir> <owner>/<name> [--private] [--branch main] [--message …] [--mode snapshot|mirror]
 *   … cli.ts list
 *   … cli.ts webhook push|pull_request <owner>/<name> … (signed, see WEBHOOK_USAGE)
 *
 * The git root is $KLI8NT_TEST_GIT_ROOT (from `testenv env`) or --root.
 * `add` prints the result as JSON: the bare repository, branch, commit SHA
 * and, with $KLI8NT_TEST_GIT_URL set, the clone URL.
 */
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import { addRepository, GitRoot } from './repos';
import { deliver, pullRequestPayload, pushPayload } from './webhooks';

const WEBHOOK_USAGE = `usage: cli.ts webhook push <owner>/<name> --branch B [--before SHA] [--after SHA] [--pusher LOGIN]
       cli.ts webhook pull_request <owner>/<name> --number N --action opened|synchronize|reopened|closed
              --head BRANCH [--head-repo FORK/NAME] --base BRANCH [--user LOGIN] [--merged]
  target: --url (or $KLI8NT_WEBHOOK_URL) and --secret-file (or $KLI8NT_WEBHOOK_SECRET_FILE)`;

/** Sends a signed push or pull_request webhook; prints the delivery as JSON. */
async function webhook(args: string[], values: Record<string, any>) {
  const [event, slug] = args;
  const url = values.url ?? process.env.KLI8NT_WEBHOOK_URL;
  const secretFile =
    values['secret-file'] ?? process.env.KLI8NT_WEBHOOK_SECRET_FILE;
  const web = process.env.KLI8NT_TEST_GIT_URL_NODE;
  const api = process.env.KLI8NT_TEST_GITHUB_API;
  if (!slug?.includes('/') || !url || !secretFile || !web || !api) {
    throw new Error(
      `${WEBHOOK_USAGE}\n(and eval "$(scripts/testenv/testenv env)" for the GitHub URLs)`,
    );
  }
  const [owner, name] = slug.split('/');
  const repos = new GitRoot(values.root ?? process.env.KLI8NT_TEST_GIT_ROOT);
  const urls = { web, api };
  let payload: object;
  if (event === 'push') {
    payload = await pushPayload(repos, urls, {
      owner,
      name,
      branch: values.branch ?? 'main',
      before: values.before,
      after: values.after,
      pusher: values.pusher ?? 'kli8nt-dev',
    });
  } else if (event === 'pull_request') {
    const number = Number(values.number);
    if (
      !Number.isInteger(number) ||
      number < 1 ||
      !values.head ||
      !values.action
    )
      throw new Error(WEBHOOK_USAGE);
    payload = await pullRequestPayload(repos, urls, {
      owner,
      name,
      number,
      action: values.action,
      head: values.head,
      headRepo: values['head-repo'],
      base: values.base ?? 'main',
      user: values.user ?? 'kli8nt-dev',
      merged: values.merged,
    });
  } else {
    throw new Error(WEBHOOK_USAGE);
  }
  const secret = fs.readFileSync(secretFile, 'utf8').trim();
  const delivery = await deliver({ url, secret }, event, payload);
  process.stdout.write(`${JSON.stringify(delivery)}\n`);
  if (delivery.status >= 300) process.exitCode = 1;
}

async function main(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      private: { type: 'boolean', default: false },
      branch: { type: 'string' },
      message: { type: 'string' },
      description: { type: 'string' },
      mode: { type: 'string' },
      // webhook
      url: { type: 'string' },
      'secret-file': { type: 'string' },
      before: { type: 'string' },
      after: { type: 'string' },
      pusher: { type: 'string' },
      number: { type: 'string' },
      action: { type: 'string' },
      head: { type: 'string' },
      'head-repo': { type: 'string' },
      base: { type: 'string' },
      user: { type: 'string' },
      merged: { type: 'boolean', default: false },
    },
  });
  const root = values.root ?? process.env.KLI8NT_TEST_GIT_ROOT;
  if (!root)
    throw new Error(
      'no git root: pass --root or eval "$(scripts/testenv/testenv env)"',
    );
  const [command, ...args] = positionals;
  if (command === 'webhook') {
    await webhook(args, values);
    return;
  }
  if (command === 'list') {
    for (const r of await new GitRoot(root).list()) {
      process.stdout.write(
        `${r.owner}/${r.name}\t${r.private ? 'private' : 'public'}\t${
          r.defaultBranch
        }\n`,
      );
    }
    return;
  }
  if (command !== 'add' || args.length !== 2 || !args[1].includes('/')) {
    throw new Error(
      'usage: cli.ts add <dir> <owner>/<name> [--private] [--branch B] [--message M] [--mode snapshot|mirror]',
    );
  }
  const [source, slug] = args;
  const [owner, name] = slug.split('/');
  const mode = values.mode as 'snapshot' | 'mirror' | undefined;
  if (mode && mode !== 'snapshot' && mode !== 'mirror')
    throw new Error(`unknown --mode ${mode}`);
  const added = await addRepository({
    root,
    owner,
    name,
    source,
    private: values.private,
    branch: values.branch,
    message: values.message,
    description: values.description,
    mode,
  });
  const base = process.env.KLI8NT_TEST_GIT_URL;
  process.stdout.write(
    `${JSON.stringify(
      {
        ...added,
        ...(base ? { cloneUrl: `${base}/${owner}/${name}.git` } : {}),
      },
      null,
      2,
    )}\n`,
  );
}

main(process.argv.slice(2)).catch(error => {
  process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
  process.exit(1);
});
