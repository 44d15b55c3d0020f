import { canRender, renderChart } from './__testUtils__/helmTemplate';

/*
 * The controllers' RBAC as rendered (the chart suite installs it into a real
 * API server and asks `kubectl auth can-i`). A role holds what its code
 * calls and no more.
 */

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** `a, 'b'` of a flow-style list (`''` is the core API group). */
const flowList = (text: string) =>
  text.split(',').map(item => item.trim().replace(/^'(.*)'$/, '$1'));

/** The rules of the Role named `name`, from its flow-style lists. */
function roleRules(name: string): Rule[] {
  const doc = renderChart({}).find(
    d =>
      /\nkind: Role\n/.test(d) && new RegExp(`\\n  name: ${name}\\n`).test(d),
  );
  if (!doc) throw new Error(`no Role ${name} rendered`);
  return [
    ...doc.matchAll(
      /- apiGroups: \[(.*)\]\n\s+resources: \[(.*)\]\n\s+verbs: \[(.*)\]/g,
    ),
  ].map(([, groups, resources, verbs]) => ({
    apiGroups: flowList(groups),
    resources: flowList(resources),
    verbs: flowList(verbs),
  }));
}

/** Every verb `rules` grant on the core `resource`. */
function coreVerbs(rules: Rule[], resource: string): string[] {
  return rules
    .filter(r => r.apiGroups.includes('') && r.resources.includes(resource))
    .flatMap(r => r.verbs)
    .sort();
}

(canRender ? describe : describe.skip)('chart: RBAC', () => {
  it("lets the deploy role write each app's env Secret by name, never list or watch Secrets", () => {
    const rules = roleRules('x-deploy');
    // get: the reconciler checks the Secret's deployment label; create and
    // patch: server-side apply; delete: an app without secret env, a delete.
    expect(coreVerbs(rules, 'secrets')).toEqual([
      'create',
      'delete',
      'get',
      'patch',
    ]);
    expect(rules.some(r => r.resources.includes('*'))).toBe(false);
    // The other objects it reconciles keep their informer verbs.
    expect(coreVerbs(rules, 'services')).toEqual(
      ['create', 'delete', 'get', 'list', 'patch', 'watch'].sort(),
    );
  });
});
