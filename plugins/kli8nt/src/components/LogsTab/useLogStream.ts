import { useEffect, useRef, useState } from 'react';
import type { Kli8ntApi } from '../../api/Kli8ntApi';
import {
  LogStreamSession,
  type LogStreamSessionOptions,
  type LogStreamState,
} from './LogStreamSession';

/**
 * The state of a {@link LogStreamSession} for the given options; a new
 * session starts whenever they change and closes on unmount.
 */
export function useLogStream(
  api: Pick<Kli8ntApi, 'getLogStreamTarget'>,
  options: Omit<LogStreamSessionOptions, 'api'>,
): LogStreamState {
  const {
    entityRef,
    deploymentId,
    source,
    tail,
    maxLines,
    flushIntervalMs,
    initialBackoffMs,
    maxBackoffMs,
  } = options;
  // The factory is read when a socket opens, so a new one needs no reconnect.
  const factoryRef = useRef(options.webSocketFactory);
  factoryRef.current = options.webSocketFactory;
  // Until the effect runs: the state of a session not started yet.
  const [state, setState] = useState<LogStreamState>(
    () => new LogStreamSession({ api, entityRef }).state,
  );

  useEffect(() => {
    const session = new LogStreamSession({
      api,
      entityRef,
      deploymentId,
      source,
      tail,
      maxLines,
      flushIntervalMs,
      initialBackoffMs,
      maxBackoffMs,
      webSocketFactory: (url, protocols) =>
        factoryRef.current
          ? factoryRef.current(url, protocols)
          : new WebSocket(url, protocols),
    });
    setState(session.state);
    const unsubscribe = session.subscribe(setState);
    session.start();
    return () => {
      unsubscribe();
      session.close();
    };
  }, [
    api,
    entityRef,
    deploymentId,
    source,
    tail,
    maxLines,
    flushIntervalMs,
    initialBackoffMs,
    maxBackoffMs,
  ]);

  return state;
}
