/*
 * The objects the test world's ingress adapter reads (see adapter.ts). The
 * Gateway API kinds have no client-node models; only the fields the adapter
 * uses are typed.
 */
import type {
  V1EndpointSlice,
  V1Ingress,
  V1ObjectMeta,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';

export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** Ingresses with this annotation get a certificate from the ACME CA. */
export const ACME_ANNOTATION = 'kli8nt.io/tls';
export const ACME_VALUE = 'acme';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime?: string;
}

export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface RouteParentStatus {
  parentRef: ParentReference;
  controllerName: string;
  conditions: Condition[];
}

export interface HTTPRoute {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec: {
    parentRefs?: ParentReference[];
    hostnames?: string[];
    rules?: Array<{
      matches?: Array<{ path?: { type?: string; value?: string } }>;
      backendRefs?: Array<{
        group?: string;
        kind?: string;
        name: string;
        namespace?: string;
        port?: number;
      }>;
    }>;
  };
  status?: { parents?: RouteParentStatus[] };
}

export interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  tls?: {
    mode?: string;
    certificateRefs?: Array<{
      group?: string;
      kind?: string;
      name: string;
      namespace?: string;
    }>;
  };
}

export interface Gateway {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec: { gatewayClassName: string; listeners: Listener[] };
  status?: Record<string, unknown>;
}

export interface GatewayClass {
  metadata: V1ObjectMeta;
  spec: { controllerName: string };
  status?: { conditions?: Condition[] };
}

/** Everything the adapter has seen, as the informers hold it. */
export interface World {
  ingresses: readonly V1Ingress[];
  httpRoutes: readonly HTTPRoute[];
  gateways: readonly Gateway[];
  services: readonly V1Service[];
  endpointSlices: readonly V1EndpointSlice[];
  secrets: readonly V1Secret[];
}

export interface Settings {
  controllerName: string;
  ingressClass: string;
  /** Also serve Ingresses that name no class. */
  defaultClass: boolean;
  gatewayClass: string;
  defaultCertificate?: { namespace: string; name: string };
  /** Caddy's admin endpoint, e.g. `unix//run/caddy.sock`. */
  adminListen: string;
  storageRoot: string;
  listenIp: string;
  httpPort: number;
  httpsPort: number;
  acme: { directory: string; trustedRootsPemFiles: string[] };
}

/** What render() makes of a World. */
export interface Rendered {
  config: Record<string, unknown>;
  /** Ingresses this controller serves: they get the ingress address. */
  ingresses: V1Ingress[];
  /** Per HTTPRoute (`ns/name`), the parent statuses this controller owns. */
  routeParents: Map<string, RouteParentStatus[]>;
  /** Gateways of our class with the number of routes per listener. */
  gateways: Array<{ gateway: Gateway; attached: Record<string, number> }>;
  /** Why something is not served as asked, for the log. */
  problems: string[];
}
