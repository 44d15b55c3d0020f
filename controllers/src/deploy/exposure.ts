// How an App is reached: its Ingress (with TLS per its mode) or its Gateway API HTTPRoute.
import type {
  V1Ingress,
  V1IngressTLS,
  V1OwnerReference,
} from '@kubernetes/client-node';
import { appTlsSecretName } from '@kli8nt/backstage-plugin-kli8nt-common';
import { PORT_NAME, SERVICE_PORT } from './builders';
import { objectMeta } from './appMeta';
import { App } from './types';

export const CERT_MANAGER_ISSUER_ANNOTATION = 'cert-manager.io/cluster-issuer';
export const HTTPROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';

/** A Gateway API HTTPRoute; client-node has no model for it. */
export interface HTTPRoute {
  apiVersion: typeof HTTPROUTE_API_VERSION;
  kind: 'HTTPRoute';
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: V1OwnerReference[];
  };
  spec: {
    parentRefs: Array<{
      group: 'gateway.networking.k8s.io';
      kind: 'Gateway';
      name: string;
      namespace: string;
      sectionName?: string;
    }>;
    hostnames: string[];
    rules: Array<{
      matches: Array<{ path: { type: 'PathPrefix'; value: string } }>;
      backendRefs: Array<{ name: string; port: number }>;
    }>;
  };
}

/** Hosts a wildcard certificate for `*.<domain of the first host>` covers. */
function wildcardHosts(hosts: string[]): string[] {
  const domain = hosts[0].slice(hosts[0].indexOf('.') + 1);
  return hosts.filter(h => h.slice(h.indexOf('.') + 1) === domain);
}

/** The Ingress for the App's hosts, with TLS per the App's TLS mode. */
export function desiredIngress(app: App): V1Ingress {
  const { spec } = app;
  if (spec.exposure.mode !== 'ingress') {
    throw new Error(`App ${app.metadata.name} is not exposed by an Ingress`);
  }
  let tls: V1IngressTLS[] | undefined;
  const annotations: Record<string, string> = {};
  if (spec.tls.mode === 'cert-manager') {
    // Any controller issuing per-host certificates from an annotation
    // (cert-manager's ingress-shim, the test world's Caddy) fits this mode.
    const annotation =
      spec.tls.issuerAnnotation ?? CERT_MANAGER_ISSUER_ANNOTATION;
    annotations[annotation] = spec.tls.clusterIssuer;
    tls = [
      {
        hosts: [...spec.hosts],
        secretName: appTlsSecretName(app.metadata.name),
      },
    ];
  } else if (spec.tls.mode === 'wildcard') {
    tls = [
      { hosts: wildcardHosts(spec.hosts), secretName: spec.tls.secretName },
    ];
  }
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      ...objectMeta(app),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {
      ...(spec.exposure.ingressClassName
        ? { ingressClassName: spec.exposure.ingressClassName }
        : {}),
      rules: spec.hosts.map(host => ({
        host,
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: {
                service: {
                  name: app.metadata.name,
                  port: { name: PORT_NAME },
                },
              },
            },
          ],
        },
      })),
      ...(tls ? { tls } : {}),
    },
  };
}

/**
 * The HTTPRoute attaching the App's hosts to the configured Gateway. TLS
 * terminates at the Gateway's listeners, which the platform owns.
 */
export function desiredHTTPRoute(app: App): HTTPRoute {
  const { spec } = app;
  if (spec.exposure.mode !== 'gateway') {
    throw new Error(`App ${app.metadata.name} is not exposed by a Gateway`);
  }
  const { gateway } = spec.exposure;
  return {
    apiVersion: HTTPROUTE_API_VERSION,
    kind: 'HTTPRoute',
    metadata: objectMeta(app),
    spec: {
      parentRefs: [
        {
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: gateway.name,
          namespace: gateway.namespace,
          ...(gateway.sectionName ? { sectionName: gateway.sectionName } : {}),
        },
      ],
      hostnames: [...spec.hosts],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          backendRefs: [{ name: app.metadata.name, port: SERVICE_PORT }],
        },
      ],
    },
  };
}
