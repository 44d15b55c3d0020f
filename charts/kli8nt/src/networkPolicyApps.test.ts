import { canRender, renderChart } from './__testUtils__/helmTemplate';

/*
 * The apps namespace's default-deny NetworkPolicy, rendered (the chart suite
 * installs it into a real API server, which validates it).
 */

/** The rendered apps NetworkPolicy, or undefined when there is none. */
function appsPolicy(networkPolicy?: object): string | undefined {
  return renderChart(networkPolicy ? { deploy: { networkPolicy } } : {}).find(
    d => /kind: NetworkPolicy/.test(d) && /name: x-apps\n/.test(d),
  );
}

/** The text of `key:` up to the next key at the same indentation. */
function section(doc: string, key: string): string {
  const match = doc.match(new RegExp(`^( *)${key}:(.*(?:\\n\\1 .*)*)`, 'm'));
  if (!match) throw new Error(`no ${key} in\n${doc}`);
  return match[2];
}

(canRender ? describe : describe.skip)('chart: apps NetworkPolicy', () => {
  it('denies every pod of the apps namespace all but the ingress controller and DNS, by default', () => {
    const doc = appsPolicy()!;
    expect(doc).toMatch(/\n {2}namespace: kli8nt-apps\n/);
    expect(doc).toMatch(/\n {2}podSelector: \{\}\n/);
    expect(doc).toMatch(/policyTypes: \[Ingress, Egress\]/);
    const ingress = section(doc, 'ingress');
    expect(ingress.match(/- from:/g)).toHaveLength(1);
    expect(ingress).toMatch(/kubernetes.io\/metadata.name: ingress-nginx/);
    expect(ingress).toMatch(/app.kubernetes.io\/name: ingress-nginx/);
    const egress = section(doc, 'egress');
    expect(egress).toMatch(/\{ protocol: UDP, port: 53 \}/);
    expect(egress).toMatch(/cidr: 0.0.0.0\/0/);
    for (const cidr of [
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '100.64.0.0/10',
      '169.254.0.0/16',
    ]) {
      expect(egress).toContain(`- ${cidr}`);
    }
  });

  it('takes the ingress peers and egress rules from values; empty ones deny', () => {
    const custom = appsPolicy({
      enabled: true,
      ingressFrom: [{ namespaceSelector: { matchLabels: { team: 'edge' } } }],
      egress: [],
    })!;
    expect(section(custom, 'ingress')).toMatch(/team: edge/);
    expect(section(custom, 'egress')).not.toMatch(/ipBlock|cidr/);

    const closed = appsPolicy({
      enabled: true,
      ingressFrom: [],
      egress: [],
    })!;
    expect(section(closed, 'ingress').trim()).toBe('');
  });

  it('is left out when disabled', () => {
    expect(appsPolicy({ enabled: false })).toBeUndefined();
  });
});
