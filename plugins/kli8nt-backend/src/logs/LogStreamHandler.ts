import {
  AuthService,
  BackstageCredentials,
  HttpRouterServiceWebSocketContext,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import {
  LOG_STREAM_CLOSE_CODES,
  LOG_STREAM_CLOSE_REASONS,
  LOG_STREAM_TOKEN_PROTOCOL_PREFIX,
  LogStreamCloseReason,
  kli8ntLogsReadPermission,
} from '@kli8nt/backstage-plugin-kli8nt-common';
import { LogSource } from '@kli8nt/backstage-plugin-kli8nt-node';
import { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { assertUserPrincipal, boundAppName } from '../auth/principals';
import { userRef } from '../service/apps';
import { EntityAccess } from '../service/EntityAccess';
import { LogClient } from './LogClient';
import { LogHub, LogViewing } from './LogHub';
import { LogStreamRequest, parseLogStreamQuery } from './query';

/**
 * What {@link LogStreamHandler} needs.
 *
 * @public
 */
export interface LogStreamHandlerOptions {
  auth: Pick<AuthService, 'authenticate' | 'isPrincipal'>;
  access: EntityAccess;
  logSource: LogSource;
  /** The app name of an entity (stored app, else derived from the entity). */
  appOf(entity: Entity): Promise<string>;
  logger: LoggerService;
  maxBufferedBytes: number;
  heartbeatIntervalMs: number;
  /** Open sockets per user (`kli8nt.logs.maxConnectionsPerUser`); absent: no cap. */
  maxConnectionsPerUser?: number;
  /** Records one replay reads (`kli8nt.logs.maxReplayLines`); absent: no cap. */
  maxReplayLines?: number;
}

type Authenticated = {
  credentials: BackstageCredentials;
  protocol?: string;
};

/** What an authorized connection may stream, and for whom. */
type Authorized = { query: LogStreamRequest; app: string; user: string };

const R = LOG_STREAM_CLOSE_REASONS;

function offeredProtocols(request: IncomingMessage): string[] {
  return (
    request.headers['sec-websocket-protocol']
      ?.split(',')
      .map(p => p.trim())
      .filter(Boolean) ?? []
  );
}

function reasonFor(error: unknown): LogStreamCloseReason {
  switch ((error as { name?: string })?.name) {
    case 'InputError':
      return R.invalidRequest;
    case 'NotAllowedError':
      return R.notAllowed;
    case 'NotFoundError':
      return R.notFound;
    case 'AuthenticationError':
      return R.invalidToken;
    case 'MissingToken':
      return R.missingToken;
    default:
      return R.internal;
  }
}

/**
 * The logs WebSocket: authenticates the token offered as a subprotocol (or
 * bearer header), authorizes `kli8nt.logs.read` on the entity, and only then
 * streams: a replay from the log bus followed by the app's live lines,
 * shared with every other viewer of the app through the `LogHub`. A refused
 * connection is upgraded only to be closed with a code and reason from
 * `LOG_STREAM_CLOSE_CODES`, since browsers see nothing of an HTTP refusal.
 *
 * @public
 */
export class LogStreamHandler {
  private readonly server: WebSocketServer;
  private readonly protocols = new WeakMap<IncomingMessage, string>();
  private readonly connections = new Set<WebSocket>();
  private readonly hub: LogHub;
  /** Open (or opening) sockets per user. */
  private readonly perUser = new Map<string, number>();
  private closing = false;

  constructor(private readonly options: LogStreamHandlerOptions) {
    this.hub = new LogHub(options.logSource, options.maxReplayLines);
    this.server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: 4096,
      handleProtocols: (_offered, request) =>
        this.protocols.get(request) ?? false,
    });
    this.server.on('error', error =>
      options.logger.error(`Logs WebSocket server error: ${error}`),
    );
  }

  /** Handler for `httpRouter.addWebSocketHandler` (unauthenticated policy). */
  handle = async (context: HttpRouterServiceWebSocketContext) => {
    const { request, socket, head } = context;
    let refusal: LogStreamCloseReason | undefined;
    let target: Authorized | undefined;
    // A client that offered subprotocols fails the handshake unless one is
    // echoed; echo its own first offer so that it sees the close reason.
    const offered = offeredProtocols(request);
    if (offered.length) this.protocols.set(request, offered[0]);
    try {
      target = await this.authorize(request);
    } catch (error) {
      refusal = reasonFor(error);
      if (refusal === R.internal) {
        this.options.logger.error(`Logs WebSocket refused: ${error}`);
      }
    }
    if (this.closing) refusal = R.shuttingDown;
    if (socket.destroyed) return;
    if (!refusal && target && !this.claim(target.user, socket)) {
      refusal = R.tooManyConnections;
    }
    this.server.handleUpgrade(request, socket, head, ws => {
      if (refusal || !target) {
        const reason = refusal ?? R.internal;
        ws.close(LOG_STREAM_CLOSE_CODES[reason], reason);
        return;
      }
      this.stream(ws, socket, target).catch(error => {
        this.options.logger.error(`Logs WebSocket failed: ${error}`);
        ws.close(LOG_STREAM_CLOSE_CODES.internal, R.internal);
      });
    });
  };

  /**
   * The one place that decides whether a connection may stream: the token
   * (subprotocol or bearer) must be a user's (also on behalf of one, as the
   * scaffolder sends), the caller must hold `kli8nt.logs.read` on the entity,
   * and the entity must hold its app name (see `boundAppName`). Throws the
   * error whose name `reasonFor` maps to the close reason.
   */
  private async authorize(request: IncomingMessage): Promise<Authorized> {
    const auth = await this.authenticate(request);
    if (auth.protocol) this.protocols.set(request, auth.protocol);
    assertUserPrincipal(this.options.auth, auth.credentials);
    const query = parseLogStreamQuery(request.url);
    const entity = await this.options.access.load(
      query.entityRef,
      kli8ntLogsReadPermission,
      auth.credentials,
    );
    return {
      query,
      app: await boundAppName(() => this.options.appOf(entity)),
      user: userRef(auth.credentials),
    };
  }

  /**
   * Takes one of the user's sockets, given back when the TCP connection
   * ends (also when the upgrade never completes); false when all are taken.
   */
  private claim(user: string, socket: Duplex): boolean {
    const open = this.perUser.get(user) ?? 0;
    if (open >= (this.options.maxConnectionsPerUser ?? Infinity)) return false;
    this.perUser.set(user, open + 1);
    socket.once('close', () => {
      const left = (this.perUser.get(user) ?? 1) - 1;
      if (left > 0) this.perUser.set(user, left);
      else this.perUser.delete(user);
    });
    return true;
  }

  /** Closes every connection with `shutting_down`. */
  close(): void {
    this.closing = true;
    for (const ws of this.connections) {
      ws.close(LOG_STREAM_CLOSE_CODES.shutting_down, R.shuttingDown);
    }
    this.hub.close();
    this.server.close();
  }

  private async authenticate(request: IncomingMessage): Promise<Authenticated> {
    const offered = offeredProtocols(request);
    const bearer =
      request.headers.authorization?.match(/^Bearer[ ]+(\S+)$/i)?.[1];
    const candidates = [
      ...offered.map(protocol => ({
        protocol,
        token: protocol.startsWith(LOG_STREAM_TOKEN_PROTOCOL_PREFIX)
          ? protocol.slice(LOG_STREAM_TOKEN_PROTOCOL_PREFIX.length)
          : protocol,
      })),
      ...(bearer ? [{ protocol: undefined, token: bearer }] : []),
    ].slice(0, 5);
    if (candidates.length === 0) {
      throw Object.assign(new Error('missing token'), {
        name: 'MissingToken',
      });
    }
    for (const { protocol, token } of candidates) {
      try {
        const credentials = await this.options.auth.authenticate(token);
        if (
          this.options.auth.isPrincipal(credentials, 'user') ||
          this.options.auth.isPrincipal(credentials, 'service')
        ) {
          return { credentials, protocol };
        }
      } catch {
        // try the next candidate; the error names no token
      }
    }
    throw Object.assign(new Error('invalid token'), {
      name: 'AuthenticationError',
    });
  }

  private async stream(ws: WebSocket, socket: Duplex, target: Authorized) {
    const { app, query } = target;
    const { maxBufferedBytes, heartbeatIntervalMs } = this.options;
    this.connections.add(ws);
    const client = new LogClient(
      ws,
      socket,
      maxBufferedBytes,
      'cursor' in query.from ? query.from.cursor : undefined,
    );
    let viewing: LogViewing | undefined = undefined;
    let closed = false;
    let alive = true;
    const heartbeat = setInterval(() => {
      if (!alive) {
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, heartbeatIntervalMs);
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', () => {
      alive = true;
    });
    ws.on('close', () => {
      closed = true;
      clearInterval(heartbeat);
      this.connections.delete(ws);
      viewing?.leave();
    });
    ws.on('error', () => ws.terminate());

    viewing = await this.hub.join({
      app,
      from: query.from,
      filter: { deploymentId: query.deploymentId, source: query.source },
      client,
      onError: error => {
        this.options.logger.warn(
          `Log subscription of ${app} failed: ${error.message}`,
        );
        ws.close(LOG_STREAM_CLOSE_CODES.internal, R.internal);
      },
    });
    if (closed) viewing.leave();
  }
}
