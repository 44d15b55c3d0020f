import { useLocation } from 'react-router-dom';

/**
 * The path of the entity's Logs tab, showing one deployment. Both tabs sit
 * side by side under the entity page, so the Logs tab is a sibling of the
 * current tab's path.
 */
export function useLogsLink(deploymentId: string): string {
  const { pathname } = useLocation();
  const base = pathname.replace(/\/+$/, '');
  const parent = /\/deploy$/.test(base)
    ? base.slice(0, -'/deploy'.length)
    : base;
  return `${parent}/logs?deployment=${encodeURIComponent(deploymentId)}`;
}
