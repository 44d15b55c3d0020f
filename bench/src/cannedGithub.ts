/*
 * The GitHub REST calls `POST /deployments` makes (repository, commit,
 * deployment, its status), answered at once from this process. (d)
 * measures the portal's own path: GitHub's latency is not ours, and the
 * test world's local GitHub runs git per request, which cannot keep up with
 * 100 requests/s on this machine.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export const CANNED_SHA = 'c'.repeat(40);

export async function startCannedGithub(): Promise<{
  apiBaseUrl: string;
  requests: () => number;
  close: () => void;
}> {
  let count = 0;
  let nextId = 1;
  const server: Server = createServer((req, res) => {
    count++;
    req.resume();
    const path = new URL(req.url ?? '/', 'http://x').pathname.split('/');
    // /api/v3/repos/<owner>/<name>[/<section>[/…]]
    const [owner, name, section] = path.slice(4);
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && !section) {
      reply(200, {
        id: 1,
        name,
        full_name: `${owner}/${name}`,
        private: false,
        default_branch: 'main',
        clone_url: `https://github.bench/${owner}/${name}.git`,
      });
    } else if (req.method === 'GET' && section === 'commits') {
      reply(200, { sha: CANNED_SHA });
    } else if (req.method === 'POST' && section === 'deployments') {
      reply(201, { id: nextId++ });
    } else {
      reply(404, { message: 'Not Found' });
    }
  });
  await new Promise<void>(ok => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    apiBaseUrl: `http://127.0.0.1:${port}/api/v3`,
    requests: () => count,
    close: () => server.close(),
  };
}
