import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadYaml } from '@kubernetes/client-node';
import { newReportKey } from '../runtime/reportIds';
import { desiredApp } from './builders';
import { planStatus } from './status';
import { APP_GROUP, APP_KIND, APP_PLURAL, APP_VERSION } from './types';
import { baseConfig, buildRollout } from './__testUtils__/fixtures';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

const crd = loadYaml<any>(
  readFileSync(
    resolve(__dirname, '../../../charts/kli8nt/crds/app.yaml'),
    'utf8',
  ),
);
const [version] = crd.spec.versions;
const schema: Schema = version.schema.openAPIV3Schema;

/**
 * Every field path of `value` the schema does not declare. A structural
 * schema makes the API server drop such fields silently, so a name that
 * differs between the code and the CRD would lose data without an error.
 */
function undeclared(value: unknown, s: Schema, path: string): string[] {
  if (s['x-kubernetes-preserve-unknown-fields']) return [];
  if (Array.isArray(value)) {
    if (s.type !== 'array' || !s.items) return [`${path} (not an array)`];
    return value.flatMap((v, i) => undeclared(v, s.items!, `${path}[${i}]`));
  }
  if (value && typeof value === 'object') {
    if (s.type !== 'object') return [`${path} (not an object)`];
    return Object.entries(value).flatMap(([key, v]) => {
      const child = s.properties?.[key] ?? s.additionalProperties;
      return child
        ? undeclared(v, child, `${path}.${key}`)
        : [`${path}.${key}`];
    });
  }
  return [];
}

describe('the App CRD', () => {
  it('names the resource the code uses', () => {
    expect(crd.metadata.name).toBe(`${APP_PLURAL}.${APP_GROUP}`);
    expect(crd.spec.group).toBe(APP_GROUP);
    expect(crd.spec.names.kind).toBe(APP_KIND);
    expect(crd.spec.scope).toBe('Namespaced');
    expect(version).toMatchObject({
      name: APP_VERSION,
      served: true,
      storage: true,
      subresources: { status: {} },
    });
  });

  it('has printer columns for readiness, URL and the live deployment', () => {
    expect(
      version.additionalPrinterColumns.map((c: { name: string }) => c.name),
    ).toEqual(['Ready', 'Reason', 'URL', 'Deployment', 'Live', 'Image', 'Age']);
  });

  it('declares every field of a full App and its status', () => {
    const app = desiredApp(
      buildRollout({
        config: {
          replicas: 2,
          healthCheckPath: '/healthz',
          domains: ['shop.example.org'],
          env: { A: 'b' },
          secretEnv: {
            S: 'v1.aaaaaaaa.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA',
          },
          resources: { cpu: '1', memory: '1Gi' },
        },
      }),
      {
        ...baseConfig,
        defaultRequests: {
          cpu: '1',
          memory: '1Gi',
          'ephemeral-storage': '1Gi',
        },
        defaultLimits: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '2Gi' },
      },
    );
    app.spec.deleted = false;
    const { status } = planStatus({
      app: {
        ...app,
        metadata: { ...app.metadata, generation: 1 },
        status: { reportKey: newReportKey() },
      },
      outcome: { kind: 'complete', message: 'ok' },
      now: new Date(),
      releaseHistory: 10,
    });
    const { metadata: _metadata, ...rest } = { ...app, status };
    expect(undeclared(rest, schema, '')).toEqual([]);
    const gatewayApp = desiredApp(buildRollout(), {
      ...baseConfig,
      tls: { mode: 'wildcard', secretName: 'w' },
      exposure: {
        mode: 'gateway',
        gateway: { namespace: 'g', name: 'gw', sectionName: 'https' },
      },
    });
    expect(
      undeclared(gatewayApp.spec, schema.properties!.spec, 'spec'),
    ).toEqual([]);
  });

  it('requires what the controller relies on, except of a tombstone', () => {
    const spec = schema.properties!.spec;
    expect(spec.required).toEqual(['deploymentId']);
    // client-node's deserializer drops x-kubernetes-validations: read the text.
    const text = readFileSync(
      resolve(__dirname, '../../../charts/kli8nt/crds/app.yaml'),
      'utf8',
    ).replace(/\s+/g, ' ');
    const rule = text.match(
      /- rule: >- (\(has\(self\.deleted\)[^]*?) message:/,
    )?.[1];
    expect(rule).toMatch(/^\(has\(self\.deleted\) && self\.deleted\) \|\|/);
    for (const field of ['image', 'hosts', 'tls', 'exposure', 'port']) {
      expect(rule).toContain(`has(self.${field})`);
    }
  });
});
