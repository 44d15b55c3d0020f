import type { V1Toleration } from '@kubernetes/client-node';

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
const KEY =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/**
 * Tolerations in the syntax of `kubectl taint`, comma separated:
 * `key=value:Effect` tolerates exactly that taint, `key:Effect` any value of
 * the key, `key` (no effect) every effect. Used to place builds or apps on a
 * dedicated, tainted node pool. Returns the problems instead of throwing so
 * config readers can list every bad setting at once.
 */
export function parseTolerations(
  text: string,
): { tolerations: V1Toleration[] } | { problems: string[] } {
  const tolerations: V1Toleration[] = [];
  const problems: string[] = [];
  for (const item of text
    .split(',')
    .map(s => s.trim())
    .filter(Boolean)) {
    const colon = item.lastIndexOf(':');
    const effect = colon >= 0 ? item.slice(colon + 1) : undefined;
    const selector = colon >= 0 ? item.slice(0, colon) : item;
    const eq = selector.indexOf('=');
    const key = eq >= 0 ? selector.slice(0, eq) : selector;
    const value = eq >= 0 ? selector.slice(eq + 1) : undefined;
    if (!KEY.test(key) || (value !== undefined && !VALUE.test(value))) {
      problems.push(`'${item}' is not key[=value][:Effect]`);
    } else if (
      effect !== undefined &&
      !(EFFECTS as readonly string[]).includes(effect)
    ) {
      problems.push(
        `'${item}': the effect must be one of ${EFFECTS.join(', ')}`,
      );
    } else {
      tolerations.push({
        key,
        operator: value === undefined ? 'Exists' : 'Equal',
        ...(value !== undefined ? { value } : {}),
        ...(effect ? { effect } : {}),
      });
    }
  }
  return problems.length ? { problems } : { tolerations };
}
