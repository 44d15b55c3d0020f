// Tries everything a hostile build step would; prints one line per attempt:
// KLI8NT-PROBE <name> <outcome> <detail>. Outcomes: nothing (no such
// credential), found, refused/unreachable/timeout/denied (not reached),
// reached. Ends with exit 42 so the build fails and its log stays.
const fs = require('node:fs');
const net = require('node:net');
const http = require('node:http');
const https = require('node:https');
const dns = require('node:dns').promises;

const targets = JSON.parse(fs.readFileSync('/probe/targets.json', 'utf8'));
const SECRETISH =
  /TOKEN|SECRET|PASSWORD|PASSWD|AUTH|CREDENTIAL|DOCKER_CONFIG|KEY/i;

/** How a connection attempt failed: refused, unreachable or otherwise. */
function failure(e) {
  if (e.code === 'ECONNREFUSED') return 'refused';
  if (/UNREACH|ENETDOWN/.test(e.code)) return 'unreachable';
  return 'failed';
}

function print(name, outcome, detail = '') {
  console.log(`KLI8NT-PROBE ${name} ${outcome} ${detail}`.trim());
}

function readable(path) {
  try {
    return fs.readFileSync(path).length;
  } catch {
    return undefined;
  }
}

/** Credential files where Kubernetes, Docker, Kaniko and the build mount them. */
function credentialFiles() {
  const paths = [
    '/var/run/secrets/kubernetes.io/serviceaccount/token',
    '/run/secrets/kubernetes.io/serviceaccount/token',
    '/kaniko/.docker/config.json',
    '/root/.docker/config.json',
    '/home/user/.docker/config.json',
    '/var/run/kli8nt/registry/.dockerconfigjson',
    '/var/run/kli8nt/registry/config.json',
    '/var/run/kli8nt/clone/http-extraheader',
    '/tmp/buildkitd.toml',
  ];
  const found = paths.filter(p => readable(p) !== undefined);
  print(
    'credential-files',
    found.length ? 'found' : 'nothing',
    found.join(','),
  );
}

/** Other processes' environment and root (RUN shares buildkitd's PID namespace). */
function otherProcesses() {
  const hits = [];
  let environs = 0;
  for (const pid of fs.readdirSync('/proc').filter(p => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let env;
    try {
      env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue;
    }
    environs++;
    for (const entry of env.split('\0')) {
      const name = entry.split('=')[0];
      if (name && SECRETISH.test(name) && !/^KLI8NT_BUILDKITD_TOML$/.test(name))
        hits.push(`${pid}:${name}`);
    }
    for (const dir of ['var/run/kli8nt', 'var/run/secrets', 'kaniko/.docker']) {
      try {
        const listing = fs.readdirSync(`/proc/${pid}/root/${dir}`);
        if (listing.length) hits.push(`${pid}:/${dir}:${listing.join('+')}`);
      } catch {
        // not there or not readable
      }
    }
  }
  print(
    'other-processes',
    hits.length ? 'found' : 'nothing',
    `${environs} environs read ${hits.join(',')}`,
  );
}

function ownEnvironment() {
  const names = Object.keys(process.env).filter(n => SECRETISH.test(n));
  print('own-env', names.length ? 'found' : 'nothing', names.join(','));
}

/** A TCP connection, with a short timeout. */
function connect(name, host, port) {
  return new Promise(resolve => {
    const socket = net.connect({ host, port, timeout: 4000 });
    const done = (outcome, detail) => {
      socket.destroy();
      print(name, outcome, `${host}:${port} ${detail}`);
      resolve();
    };
    socket.on('connect', () => done('reached', 'connected'));
    socket.on('timeout', () => done('timeout', 'no answer'));
    socket.on('error', e => done(failure(e), e.code));
  });
}

/** An HTTP CONNECT through the egress proxy: does the proxy tunnel there? */
function throughProxy(name, host, port) {
  const proxy = new URL(targets.proxy);
  return new Promise(resolve => {
    const req = http.request({
      host: proxy.hostname,
      port: proxy.port,
      method: 'CONNECT',
      path: `${host}:${port}`,
      timeout: 6000,
    });
    req.on('connect', res => {
      res.socket.destroy();
      print(
        name,
        res.statusCode === 200 ? 'reached' : 'denied',
        `${host}:${port} via proxy: HTTP ${res.statusCode}`,
      );
      resolve();
    });
    req.on('response', res => {
      print(
        name,
        'denied',
        `${host}:${port} via proxy: HTTP ${res.statusCode}`,
      );
      res.resume();
      resolve();
    });
    req.on('timeout', () => {
      req.destroy();
      print(name, 'timeout', `${host}:${port} via proxy`);
      resolve();
    });
    req.on('error', e => {
      print(name, 'failed', `${host}:${port} via proxy: ${e.code}`);
      resolve();
    });
    req.end();
  });
}

/** An HTTP(S) GET: what a caller without credentials gets. */
function get(name, url) {
  return new Promise(resolve => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(
      url,
      { timeout: 5000, rejectUnauthorized: false },
      res => {
        let body = '';
        res.on('data', c => (body += c));
        res.on('end', () => {
          const ok = res.statusCode >= 200 && res.statusCode < 300;
          print(
            name,
            ok ? 'reached' : 'denied',
            `${url} HTTP ${res.statusCode} ${body
              .slice(0, 60)
              .replace(/\s+/g, ' ')}`,
          );
          resolve();
        });
      },
    );
    req.on('timeout', () => {
      req.destroy();
      print(name, 'timeout', url);
      resolve();
    });
    req.on('error', e => {
      print(name, failure(e), `${url} ${e.code}`);
      resolve();
    });
  });
}

async function resolved(name, host) {
  try {
    const { address } = await dns.lookup(host);
    return address;
  } catch (e) {
    print(name, 'unresolved', `${host} ${e.code}`);
    return undefined;
  }
}

async function main() {
  credentialFiles();
  otherProcesses();
  ownEnvironment();

  const t = targets;
  await get(
    'apiserver-direct',
    `https://${t.hostIp}:${t.apiserverPort}/api/v1/namespaces/${t.buildNamespace}/secrets`,
  );
  await get(
    'apiserver-service',
    `https://${t.apiserverServiceIp}:443/api/v1/secrets`,
  );
  const apiName = await resolved(
    'apiserver-dns',
    'kubernetes.default.svc.cluster.local',
  );
  if (apiName)
    await get('apiserver-dns', `https://${apiName}:443/api/v1/secrets`);

  for (const [name, port] of Object.entries(t.brokerPorts)) {
    await connect(`${name}-host`, t.hostIp, port);
    await connect(`${name}-loopback`, '127.0.0.1', port);
    await throughProxy(`${name}-proxy`, t.hostIp, port);
  }
  await get(
    'registry-anonymous',
    `http://${t.hostIp}:${t.registryPort}/v2/_catalog`,
  );

  // Link-local metadata: the node's namespace has no route out, so this
  // must fail right there (the test checks the route before the build).
  await connect('metadata', '169.254.169.254', 80);

  const appIp = await resolved('app-service-dns', t.appServiceHost);
  if (appIp) await get('app-service-dns', `http://${t.appServiceHost}/`);
  await get('app-service-ip', `http://${t.appServiceIp}/`);
  await get('app-pod-ip', `http://${t.appPodIp}:8080/`);

  print('done', 'done');
  process.exit(42);
}

main().catch(e => {
  print('crashed', 'crashed', String(e));
  process.exit(43);
});
