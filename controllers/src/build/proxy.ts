import type { V1EnvVar } from '@kubernetes/client-node';
import type { BuildProxy } from '../config';

/*
 * `build.proxy`: corporate clusters (and the test world) reach git hosts and
 * package registries only through an HTTP proxy. The clone step gets the
 * usual variables; the Dockerfile build gets them as build arguments.
 *
 * HTTP_PROXY, HTTPS_PROXY, NO_PROXY and their lower-case twins are Docker's
 * predefined build arguments: every RUN step sees them without an `ARG`, and
 * they are left out of the image's history (so a proxy password does not end
 * up in the image). The JVM ignores them, so Maven and Gradle get
 * `-Dhttp(s).proxyHost/Port` and `-Dhttp.nonProxyHosts` in JAVA_TOOL_OPTIONS
 * (read by every JVM), MAVEN_OPTS and GRADLE_OPTS; those hold no
 * credential, and a RUN step sees them only if the Dockerfile declares
 * `ARG MAVEN_OPTS` (and so on).
 *
 * The URLs may carry credentials: they are only ever placed in the pod spec
 * (environment and argv entries), never logged nor part of a shell string.
 */

/** The predefined proxy variables, upper- and lower-case. */
export function proxyVariables(proxy: BuildProxy): V1EnvVar[] {
  const out: V1EnvVar[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value) {
      out.push({ name, value }, { name: name.toLowerCase(), value });
    }
  };
  add('HTTP_PROXY', proxy.httpProxy);
  add('HTTPS_PROXY', proxy.httpsProxy);
  add('NO_PROXY', proxy.noProxy);
  return out;
}

function hostPort(url: string): { host: string; port: string } {
  const parsed = new URL(url);
  const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
  // URL keeps IPv6 brackets; Java wants them too, so leave them.
  return { host: parsed.hostname, port };
}

/**
 * NO_PROXY as `http.nonProxyHosts`: `|`-separated, `*.domain` for a domain
 * suffix. Java has no CIDR syntax, so CIDR entries are left out.
 */
export function javaNonProxyHosts(noProxy: string): string {
  return noProxy
    .split(',')
    .map(s => s.trim())
    .filter(s => s && !s.includes('/'))
    .map(s => (s.startsWith('.') ? `*${s}` : s))
    .join('|');
}

/** `-Dhttp.proxyHost=… …`: the JVM's proxy properties, without credentials. */
export function javaProxyOptions(proxy: BuildProxy): string {
  const options: string[] = [];
  if (proxy.httpProxy) {
    const { host, port } = hostPort(proxy.httpProxy);
    options.push(`-Dhttp.proxyHost=${host}`, `-Dhttp.proxyPort=${port}`);
  }
  if (proxy.httpsProxy) {
    const { host, port } = hostPort(proxy.httpsProxy);
    options.push(`-Dhttps.proxyHost=${host}`, `-Dhttps.proxyPort=${port}`);
  }
  const nonProxy = proxy.noProxy ? javaNonProxyHosts(proxy.noProxy) : '';
  if (nonProxy && options.length > 0) {
    options.push(`-Dhttp.nonProxyHosts=${nonProxy}`);
  }
  return options.join(' ');
}

/**
 * Everything the Dockerfile build gets, as name/value pairs in a fixed
 * order: the predefined variables and the JVM tools' options.
 */
export function proxyBuildArgs(proxy: BuildProxy): V1EnvVar[] {
  const args = proxyVariables(proxy);
  const java = javaProxyOptions(proxy);
  if (java) {
    for (const name of ['JAVA_TOOL_OPTIONS', 'MAVEN_OPTS', 'GRADLE_OPTS']) {
      args.push({ name, value: java });
    }
  }
  return args;
}
