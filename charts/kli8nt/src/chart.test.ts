import { parse } from 'yaml';
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

/** The rules of the Role named `name`. */
function roleRules(name: string): Rule[] {
  const role = renderChart({})
    .map(doc => parse(doc))
    .find(doc => doc?.kind === 'Role' && doc.metadata?.name === name);
  if (!role) throw new Error(`no Role ${name} rendered`);
  return role.rules;
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
