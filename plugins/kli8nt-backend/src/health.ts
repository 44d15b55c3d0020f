/** A part of the backend whose failure makes the plugin not ready. */
export interface HealthPart {
  /** Why the part is not working, if it is not. */
  problem(): string | undefined;
}

export type HealthReport =
  | { status: 'ok' }
  | { status: 'error'; problems: string[] };

/**
 * `/api/kli8nt/health`: ok while every part works, else the problems. Why
 * here and not Backstage's `/.backstage/health/v1/readiness`: the root
 * health service (`@backstage/backend-defaults` rootHealth) only knows
 * whether the backend started or is shutting down, and plugins cannot add
 * checks to it. Point a readiness probe of the backend at this path.
 */
export function healthOf(parts: HealthPart[]): HealthReport {
  const problems = parts
    .map(part => part.problem())
    .filter((p): p is string => Boolean(p));
  return problems.length ? { status: 'error', problems } : { status: 'ok' };
}
