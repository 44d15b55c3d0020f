import { desiredApp } from './builders';
import { desiredIngress } from './exposure';
import { baseConfig, buildRollout } from './__testUtils__/fixtures';
import type { App } from './types';

function app(tls: App['spec']['tls']): App {
  const built = desiredApp(
    buildRollout({ config: { domains: ['shop.example.org'] } }),
    { ...baseConfig, tls },
  );
  return { ...built, metadata: { ...built.metadata, uid: 'u-1' } };
}

describe('desiredIngress in mode cert-manager', () => {
  it("names the issuer in cert-manager's annotation by default", () => {
    const ingress = desiredIngress(
      app({ mode: 'cert-manager', clusterIssuer: 'letsencrypt' }),
    );
    expect(ingress.metadata?.annotations).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt',
    });
  });

  it('names it in the configured annotation, with every host in the TLS block', () => {
    const ingress = desiredIngress(
      app({
        mode: 'cert-manager',
        clusterIssuer: 'acme',
        issuerAnnotation: 'kli8nt.io/tls',
      }),
    );
    expect(ingress.metadata?.annotations).toEqual({ 'kli8nt.io/tls': 'acme' });
    expect(ingress.spec?.tls).toEqual([
      {
        hosts: ['shop.apps.example.com', 'shop.example.org'],
        secretName: 'shop-tls',
      },
    ]);
  });
});
