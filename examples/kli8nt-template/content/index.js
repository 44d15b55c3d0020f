'use strict';

const http = require('node:http');

const name = '${{ values.name }}';
const port = Number(process.env.PORT) || 8080;

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ service: name, path: req.url }) + '\n');
});

server.listen(port, () => {
  console.log(`${name} listening on port ${port}`);
});

// Kubernetes stops pods with SIGTERM: finish in-flight requests first.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
