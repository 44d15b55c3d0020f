import { z } from 'zod/v4';

/**
 * The stacks the detector recognises. `dockerfile` means the repository
 * brings its own Dockerfile, which is used as is.
 *
 * @public
 */
export const STACKS = [
  'dockerfile',
  'node',
  'python',
  'go',
  'java',
  'ruby',
  'php',
  'rust',
  'dotnet',
  'static',
] as const;

/**
 * A stack the detector recognises.
 *
 * @public
 */
export type Stack = (typeof STACKS)[number];

/**
 * Package managers / build tools the detector can plan an install with.
 * `yarn` is Yarn classic (1.x), `yarn-berry` is Yarn 2 and later.
 *
 * @public
 */
export const PACKAGE_MANAGERS = [
  'npm',
  'yarn',
  'yarn-berry',
  'pnpm',
  'bun',
  'pip',
  'poetry',
  'uv',
  'pipenv',
  'go',
  'maven',
  'gradle',
  'bundler',
  'composer',
  'cargo',
  'dotnet',
] as const;

/**
 * A package manager the detector recognises.
 *
 * @public
 */
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

const noNul = (value: string) => !value.includes('\u0000');

/**
 * A command as an argument vector (exec form): the first element is the
 * program, no shell is involved unless the program is a shell.
 */
const commandSchema = z
  .array(z.string().max(4096).refine(noNul, 'must not contain NUL'))
  .min(1)
  .max(64);

/**
 * Kinds of process an app runs, as in a Procfile: `web` listens on the
 * plan's `port` and is exposed (Service and Ingress); `worker` runs without
 * a port (a Deployment only: a bot, a queue consumer); `release` runs once
 * to completion before each rollout (a Job: database migrations).
 *
 * @public
 */
export const PROCESS_TYPES = ['web', 'worker', 'release'] as const;

/** @public */
export type ProcessType = (typeof PROCESS_TYPES)[number];

/**
 * Zod schema for a Procfile process name (`web`, `worker`, `clock`…).
 *
 * @public
 */
export const processNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/);

/**
 * One process of the app: its Procfile name (`web`, `worker`, `clock`…),
 * its type and the command it runs in the image.
 *
 * @public
 */
export const processSchema = z.object({
  name: processNameSchema,
  type: z.enum(PROCESS_TYPES),
  command: commandSchema,
});

/**
 * One process of the app (a Procfile entry): its name, kind and command.
 *
 * @public
 */
export type Process = z.infer<typeof processSchema>;

/**
 * Zod schema for an app's processes: at most one `web` and one `release`,
 * unique names, and something that runs besides a release.
 *
 * @public
 */
export const processListSchema = z
  .array(processSchema)
  .min(1)
  .max(16)
  .refine(
    ps => new Set(ps.map(p => p.name)).size === ps.length,
    'process names must be unique',
  )
  .refine(
    ps =>
      ps.filter(p => p.type === 'web').length <= 1 &&
      ps.filter(p => p.type === 'release').length <= 1,
    'at most one web and one release process',
  )
  .refine(
    ps => ps.some(p => p.type !== 'release'),
    'a release process alone runs nothing',
  );

/**
 * The result of stack detection: what the repository is, how it is
 * installed, built and started, and the Dockerfile that builds it.
 *
 * @public
 */
export const buildPlanSchema = z.object({
  stack: z.enum(STACKS),
  /** e.g. `nextjs`, `nuxt`, `remix`, `express`, `vite`, `django`, `fastapi`, `flask`, `spring-boot`, `rails`, `rack`. */
  framework: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{0,63}$/)
    .optional(),
  packageManager: z.enum(PACKAGE_MANAGERS).optional(),
  installCommand: commandSchema.optional(),
  buildCommand: commandSchema.optional(),
  startCommand: commandSchema.optional(),
  /** The port the container listens on; the `PORT` env var is set to it. */
  port: z.number().int().min(1).max(65535),
  /** Path of the Dockerfile relative to the repository root. */
  dockerfilePath: z
    .string()
    .min(1)
    .max(1024)
    .refine(noNul, 'must not contain NUL'),
  /** false when the repository brings its own Dockerfile. */
  generated: z.boolean(),
  /** Dockerfile text (the repository's own when `generated` is false). */
  dockerfile: z.string().max(1024 * 1024),
  /** Generated .dockerignore text; absent when the Dockerfile is the repository's own. */
  dockerignore: z
    .string()
    .max(64 * 1024)
    .optional(),
  /** Images named in FROM lines, in order. */
  baseImages: z.array(z.string().max(512)).max(32),
  /**
   * The app's processes. Absent in plans from before process types (and
   * when the repository brings its own Dockerfile): then the app is one
   * `web` process running the image's command — see `planProcesses`.
   * At most one `web` and one `release`; names are unique.
   */
  processes: processListSchema.optional(),
  /** Human-readable remarks about choices made (e.g. "start command from Procfile"). */
  notes: z.array(z.string().max(1024)).max(32),
});

/**
 * What the detector decided for a source tree: stack, package manager,
 * build steps and process types.
 *
 * @public
 */
export type BuildPlan = z.infer<typeof buildPlanSchema>;

/**
 * The processes of a plan, with the default for plans without `processes`:
 * one `web` process running `startCommand` (or the image's own command,
 * `undefined`, when the plan does not know it).
 *
 * @public
 */
export function planProcesses(
  plan: Pick<BuildPlan, 'processes' | 'startCommand'>,
): Array<Omit<Process, 'command'> & { command?: string[] }> {
  return (
    plan.processes ?? [{ name: 'web', type: 'web', command: plan.startCommand }]
  );
}
