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
  options: Omit<LogStreamSessionOptions, 'api' | 'random'>,
): LogStreamState {
  const { webSocketFactory, ...sessionOptions } = options;
  // Read when a socket opens, so a new factory needs no new session.
  const factoryRef = useRef(webSocketFactory);
  factoryRef.current = webSocketFactory;
  // The remaining options are plain values: compare them by content.
  const key = JSON.stringify(sessionOptions);
  // Until the effect runs: the state of a session not started yet.
  const [state, setState] = useState<LogStreamState>(
    () => new LogStreamSession({ api, ...sessionOptions }).state,
  );

  useEffect(() => {
    const session = new LogStreamSession({
      ...(JSON.parse(key) as typeof sessionOptions),
      api,
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
  }, [api, key]);

  return state;
}
