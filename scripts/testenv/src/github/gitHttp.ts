/*
 * git smart HTTP, read-only, through git's own CGI (`git http-backend`):
 * the protocol (v0 and v2, gzip request bodies, shallow fetches) is then
 * git's and not a re-implementation. Only the two smart upload-pack
 * requests pass; pushes get 403 because repositories change through
 * `addRepository`, and the dumb protocol is not served (neither is it by GitHub).
 */
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface GitRequest {
  /** The git root; the repository is `<root>/<owner>/<name>.git`. */
  root: string;
  owner: string;
  name: string;
  /** What follows the repository in the URL: `info/refs` or `git-upload-pack`. */
  rest: string;
  query: URLSearchParams;
}

/** Which part of a URL path names a repository, GitHub style (`.git` optional). */
export function parseGitPath(
  pathname: string,
): Omit<GitRequest, 'root' | 'query'> | undefined {
  const match =
    /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(
      pathname,
    );
  if (!match) return undefined;
  return { owner: match[1], name: match[2], rest: match[3] };
}

/** Refuses what this server does not do; undefined when the request may pass. */
export function refusal(
  req: GitRequest,
  method: string,
): [number, string] | undefined {
  const service =
    req.rest === 'info/refs' ? req.query.get('service') : req.rest;
  if (service === 'git-receive-pack')
    return [403, 'This test server is read-only\n'];
  if (service !== 'git-upload-pack') {
    return [403, 'Only git smart HTTP (upload-pack) is served\n'];
  }
  if (req.rest === 'git-upload-pack' && method !== 'POST')
    return [405, 'POST only\n'];
  return undefined;
}

export function serveGit(
  req: IncomingMessage,
  res: ServerResponse,
  git: GitRequest,
  log: (line: string) => void,
): void {
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: git.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${git.owner}/${git.name}.git/${git.rest}`,
      QUERY_STRING: git.query.toString(),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
      // Protocol v2 is negotiated through this header.
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      // The build clones `git fetch --depth=1 origin <sha>`: fetching by
      // SHA needs these (GitHub allows it too). safe.directory: the git
      // root may belong to another user than the server.
      GIT_CONFIG_COUNT: '4',
      GIT_CONFIG_KEY_0: 'uploadpack.allowAnySHA1InWant',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_CONFIG_KEY_1: 'uploadpack.allowReachableSHA1InWant',
      GIT_CONFIG_VALUE_1: 'true',
      GIT_CONFIG_KEY_2: 'uploadpack.allowFilter',
      GIT_CONFIG_VALUE_2: 'true',
      GIT_CONFIG_KEY_3: 'safe.directory',
      GIT_CONFIG_VALUE_3: '*',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  res.on('close', () => {
    if (child.exitCode === null) child.kill();
  });
  child.stderr.on('data', (chunk: Buffer) =>
    log(
      `git http-backend ${git.owner}/${git.name}: ${chunk.toString().trim()}`,
    ),
  );

  // CGI output: header lines (with `Status:`), a blank line, the body.
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const crlf = head.indexOf('\r\n\r\n');
    const lf = head.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
    if (end < 0) return;
    const sep = end === crlf ? 4 : 2;
    let status = 200;
    for (const line of head
      .subarray(0, end)
      .toString('latin1')
      .split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (/^status$/i.test(key)) status = parseInt(value, 10) || 500;
      else res.setHeader(key, value);
    }
    res.writeHead(status);
    started = true;
    res.write(head.subarray(end + sep));
  });
  child.on('close', code => {
    if (!started) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`git http-backend exited with ${code}\n`);
      return;
    }
    res.end();
  });
  child.on('error', error => {
    log(`git http-backend failed to start: ${error.message}`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
}
