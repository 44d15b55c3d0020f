import {
  BuildPlan,
  buildPlanSchema,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { detect } from './detect';
import { DetectError, InvalidManifestError } from './errors';
import { readDirectoryTree } from './readDirectoryTree';
import { checkNotWorkspaceMember } from './workspaceAbove';
import { writePlan } from './writePlan';

const USAGE = `Usage: kli8nt-detect <dir> [--json] [--write] [--dockerfile <path>] [--plan-file <path>]

Detects the stack of the repository in <dir> and prints its build plan.

  --json               print the plan (or the error) as JSON on stdout
  --write              write the generated Dockerfile and .dockerignore into <dir>
                       (nothing is written when the repository has its own Dockerfile;
                       an existing .dockerignore is kept)
  --dockerfile <path>  use the repository's Dockerfile at <path> (relative to <dir>)
  --checkout <root>    <dir> is a subdirectory of the checkout at <root> (a monorepo
                       app): refuse it when it is a member of a workspace above it
  --plan-file <path>   write the plan as JSON to <path>, without the Dockerfile and
                       .dockerignore texts (the build Job's termination message,
                       so the controller learns the stack, port and processes;
                       at most 4096 bytes)

Exit codes: 0 plan found, 2 cannot detect (a problem with the repository), 1 other errors.`;

/** The kubelet keeps at most this many bytes of a termination message. */
export const MAX_PLAN_FILE_BYTES = 4096;

/**
 * The plan for the build report: everything but the files written into
 * the repository. Remarks and base images go first when it is too long;
 * processes never do (the rollout needs them), so a Procfile whose
 * commands do not fit is an error naming the way out.
 */
export function planFileText(plan: BuildPlan): string {
  const { dockerfile, dockerignore, ...report } = plan;
  const candidates = [
    report,
    { ...report, notes: [] },
    {
      stack: plan.stack,
      port: plan.port,
      ...(plan.processes ? { processes: plan.processes } : {}),
    },
  ];
  for (const candidate of candidates) {
    const text = JSON.stringify(candidate);
    if (Buffer.byteLength(text) <= MAX_PLAN_FILE_BYTES) return text;
  }
  throw new InvalidManifestError(
    `The app's processes are too long for the build report (more than ${MAX_PLAN_FILE_BYTES} bytes of commands): move long Procfile commands into a script in the repository and run that`,
    { lookedFor: ['Procfile'] },
  );
}

/** @public */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
};

/**
 * The kli8nt-detect command. Returns the exit code instead of exiting, so it
 * can run in-process in tests.
 *
 * @public
 */
export function runDetectCli(argv: string[], io: CliIo = processIo): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        write: { type: 'boolean', default: false },
        dockerfile: { type: 'string' },
        'plan-file': { type: 'string' },
        checkout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.stderr(`${(e as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  if (args.values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (args.positionals.length !== 1) {
    io.stderr(`${USAGE}\n`);
    return 1;
  }
  const dir = args.positionals[0];
  const json = args.values.json;

  try {
    if (args.values.checkout && !args.values.dockerfile) {
      checkNotWorkspaceMember(args.values.checkout, dir);
    }
    const tree = readDirectoryTree(dir);
    const plan = buildPlanSchema.parse(
      detect(tree, { dockerfilePath: args.values.dockerfile }),
    );
    if (tree.truncated) {
      plan.notes.push('the repository is large: only part of it was examined');
    }
    if (args.values.write) {
      const written = writePlan(dir, plan);
      io.stderr(
        written.length > 0
          ? `kli8nt-detect: wrote ${written.join(', ')}\n`
          : 'kli8nt-detect: nothing written (the repository has its own Dockerfile)\n',
      );
    }
    const planFile = args.values['plan-file'];
    if (planFile) {
      writeFileSync(planFile, planFileText(plan));
    }
    if (json) {
      io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
    } else {
      const lines = [
        `stack:           ${plan.stack}`,
        plan.framework && `framework:       ${plan.framework}`,
        plan.packageManager && `package manager: ${plan.packageManager}`,
        plan.installCommand &&
          `install:         ${JSON.stringify(plan.installCommand)}`,
        plan.buildCommand &&
          `build:           ${JSON.stringify(plan.buildCommand)}`,
        plan.startCommand &&
          `start:           ${JSON.stringify(plan.startCommand)}`,
        `port:            ${plan.port}`,
        `dockerfile:      ${plan.dockerfilePath}${
          plan.generated ? ' (generated)' : ''
        }`,
        ...plan.notes.map(n => `note:            ${n}`),
      ].filter(Boolean);
      io.stdout(`${lines.join('\n')}\n\n${plan.dockerfile}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof DetectError) {
      if (json) {
        io.stdout(`${JSON.stringify({ error: e.toJSON() }, null, 2)}\n`);
      }
      io.stderr(
        `kli8nt-detect: ${e.message}\n${
          e.lookedFor.length ? `looked for: ${e.lookedFor.join(', ')}\n` : ''
        }${e.found.length ? `found: ${e.found.join(', ')}\n` : ''}`,
      );
      return 2;
    }
    io.stderr(`kli8nt-detect: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
