import { useCallback, useEffect, useRef, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useApi } from '@backstage/frontend-plugin-api';
import { useSignal } from '@backstage/plugin-signals-react';
import {
  deploymentSignalChannel,
  isTerminalStatus,
  type Deployment,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { kli8ntApiRef } from '../../api/Kli8ntApi';

/** How often to refresh while something runs and signals are unavailable. */
const FALLBACK_POLL_MS = 5000;

/**
 * Calls `refresh` whenever the backend pushes a status change for the
 * entity, and polls instead while `active` if signals are not available.
 */
export function useDeploymentUpdates(
  entityRef: string,
  active: boolean,
  refresh: () => void,
): void {
  const { lastSignal, isSignalsAvailable } = useSignal(
    deploymentSignalChannel(entityRef),
  );
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;

  useEffect(() => {
    if (lastSignal) {
      refreshRef.current();
    }
  }, [lastSignal]);

  useEffect(() => {
    if (isSignalsAvailable || !active) {
      return undefined;
    }
    const timer = setInterval(() => refreshRef.current(), FALLBACK_POLL_MS);
    return () => clearInterval(timer);
  }, [isSignalsAvailable, active]);
}

/** One page of an entity's deployments, with cursor paging. */
export function useDeploymentHistory(entityRef: string, pageSize: number) {
  const api = useApi(kli8ntApiRef);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const state = useAsyncRetry(
    () => api.listDeployments({ entityRef, cursor, limit: pageSize }),
    [api, entityRef, cursor, pageSize],
  );
  const nextCursor = state.value?.nextCursor;
  const next = useCallback(() => {
    if (nextCursor) setCursors(c => [...c, nextCursor]);
  }, [nextCursor]);
  const previous = useCallback(
    () => setCursors(c => (c.length > 1 ? c.slice(0, -1) : c)),
    [],
  );
  return {
    ...state,
    page: cursors.length,
    hasNext: Boolean(nextCursor),
    hasPrevious: cursors.length > 1,
    next,
    previous,
  };
}

export function isActive(deployment: Deployment | undefined): boolean {
  return deployment !== undefined && !isTerminalStatus(deployment.status);
}

/** The current time, ticking while `running` so that durations advance. */
export function useNow(running: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) {
      return undefined;
    }
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [running, intervalMs]);
  return running ? now : Date.now();
}
