/*
 * Puts local directories into the fake GitHub's git root:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs cli.ts \
 *     add <dir> <owner>/<name> [--private] [--branch main] [--message …] [--mode snapshot|mirror]
 *   … cli.ts list
 *
 * The git root is $KLI8NT_TEST_GIT_ROOT (from `testenv env`) or --root.
 * `add` prints the result as JSON: the bare repository, branch, commit SHA
 * and, with $KLI8NT_TEST_GIT_URL set, the clone URL.
 */
import { parseArgs } from 'node:util';
import { addRepository, GitRoot } from './repos';

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
    },
  });
  const root = values.root ?? process.env.KLI8NT_TEST_GIT_ROOT;
  if (!root)
    throw new Error(
      'no git root: pass --root or eval "$(scripts/testenv/testenv env)"',
    );
  const [command, ...args] = positionals;
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
