import { z } from 'zod/v4';

/*
 * The parts of GitHub's `push` and `pull_request` webhook payloads that
 * Kli8nt acts on (https://docs.github.com/webhooks/webhook-events-and-payloads).
 * Anything else in the payload is ignored; a payload without these fields is
 * not acted on and the reason is logged.
 */

const sha = z.string().regex(/^[0-9a-f]{40}$/, 'must be a 40-hex commit SHA');
const login = z.string().min(1).max(255);

const repositorySchema = z.object({
  name: z.string().min(1).max(255),
  owner: z.object({ login }),
  html_url: z.string().url(),
  default_branch: z.string().optional(),
});

const pushSchema = z.object({
  ref: z.string().min(1).max(1024),
  before: sha,
  after: sha,
  deleted: z.boolean().optional(),
  compare: z.string().url().optional(),
  pusher: z.object({ name: login }),
  repository: repositorySchema,
  commits: z
    .array(
      z.object({
        added: z.array(z.string()).optional(),
        removed: z.array(z.string()).optional(),
        modified: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const pullRequestSchema = z.object({
  action: z.string().min(1),
  number: z.number().int().positive(),
  pull_request: z.object({
    html_url: z.string().url(),
    merged: z.boolean().optional(),
    user: z.object({ login }),
    head: z.object({
      ref: z.string().min(1),
      sha,
      // null when the fork was deleted: treated as a fork.
      repo: z.object({ full_name: z.string(), fork: z.boolean() }).nullable(),
    }),
    base: z.object({
      ref: z.string().min(1),
      repo: z.object({ full_name: z.string() }),
    }),
  }),
  repository: repositorySchema,
});

/** The repository an event is about, as `repoFromEntity` resolves entities. */
export interface EventRepo {
  host: string;
  owner: string;
  name: string;
}

export interface PushEvent {
  repo: EventRepo;
  /** The branch, or undefined for a tag or another kind of ref. */
  branch?: string;
  after: string;
  /** A branch deletion: nothing to deploy. */
  deleted: boolean;
  pusher: string;
  compareUrl?: string;
  /** How many commits the payload lists (GitHub lists at most 20). */
  commitCount: number;
  /** Every path the listed commits added, removed or modified. */
  changedPaths: string[];
}

export interface PullRequestEvent {
  repo: EventRepo;
  action: string;
  number: number;
  url: string;
  author: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  defaultBranch?: string;
  /** The head lives in another repository (a fork): it never gets secrets. */
  fromFork: boolean;
}

export type ParsedEvent<T> = { event: T } | { problem: string };

function problemOf(error: z.ZodError): string {
  return error.issues
    .map(i => `${i.path.join('.') || '(payload)'}: ${i.message}`)
    .join('; ');
}

function repoOf(repository: z.output<typeof repositorySchema>): EventRepo {
  return {
    host: new URL(repository.html_url).host,
    owner: repository.owner.login,
    name: repository.name,
  };
}

export function parsePush(payload: unknown): ParsedEvent<PushEvent> {
  const parsed = pushSchema.safeParse(payload);
  if (!parsed.success) return { problem: problemOf(parsed.error) };
  const p = parsed.data;
  const branch = p.ref.startsWith('refs/heads/')
    ? p.ref.slice('refs/heads/'.length)
    : undefined;
  const changed = new Set<string>();
  for (const c of p.commits ?? []) {
    for (const file of [
      ...(c.added ?? []),
      ...(c.removed ?? []),
      ...(c.modified ?? []),
    ]) {
      changed.add(file);
    }
  }
  return {
    event: {
      repo: repoOf(p.repository),
      branch,
      after: p.after,
      deleted: p.deleted ?? /^0{40}$/.test(p.after),
      pusher: p.pusher.name,
      compareUrl: p.compare,
      commitCount: p.commits?.length ?? 0,
      changedPaths: [...changed].sort(),
    },
  };
}

export function parsePullRequest(
  payload: unknown,
): ParsedEvent<PullRequestEvent> {
  const parsed = pullRequestSchema.safeParse(payload);
  if (!parsed.success) return { problem: problemOf(parsed.error) };
  const p = parsed.data;
  const pr = p.pull_request;
  return {
    event: {
      repo: repoOf(p.repository),
      action: p.action,
      number: p.number,
      url: pr.html_url,
      author: pr.user.login,
      headRef: pr.head.ref,
      headSha: pr.head.sha,
      baseRef: pr.base.ref,
      defaultBranch: p.repository.default_branch,
      fromFork:
        !pr.head.repo ||
        pr.head.repo.fork ||
        pr.head.repo.full_name.toLowerCase() !==
          pr.base.repo.full_name.toLowerCase(),
    },
  };
}
