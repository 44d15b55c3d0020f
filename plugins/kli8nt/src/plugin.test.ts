import type { Entity } from '@backstage/catalog-model';
import {
  createExtensionTester,
  type ExtensionTester,
} from '@backstage/frontend-test-utils';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import alphaPlugin from './alpha';
import {
  entityKli8ntDeployContent,
  entityKli8ntLogsContent,
} from './alpha/entityContents';
import {
  EntityKli8ntDeployContent,
  EntityKli8ntLogsContent,
  isKli8ntAvailable,
  kli8ntApiRef,
  kli8ntPlugin,
} from './index';

const entity = (annotations: Record<string, string>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'a', annotations },
});

describe('kli8nt plugin', () => {
  it('exports the new frontend system plugin at ./alpha', () => {
    expect(alphaPlugin.pluginId).toBe('kli8nt');
    expect(
      alphaPlugin.getExtension('entity-content:kli8nt/deploy'),
    ).toBeDefined();
    expect(
      alphaPlugin.getExtension('entity-content:kli8nt/logs'),
    ).toBeDefined();
    expect(alphaPlugin.getExtension('api:kli8nt')).toBeDefined();
  });

  function tabOf(tester: ExtensionTester<any>) {
    const filter = tester.get(
      EntityContentBlueprint.dataRefs.filterFunction,
    ) as ((e: Entity) => boolean) | undefined;
    return {
      path: tester.get(coreExtensionData.routePath),
      title: tester.get(EntityContentBlueprint.dataRefs.title),
      withGithubSource: filter?.(entity({ 'github.com/project-slug': 'a/b' })),
      withoutGithubSource: filter?.(entity({})),
    };
  }

  it('declares the Deploy and Logs tabs for entities with a GitHub source', () => {
    expect(tabOf(createExtensionTester(entityKli8ntDeployContent))).toEqual({
      path: '/deploy',
      title: 'Deploy',
      withGithubSource: true,
      withoutGithubSource: false,
    });
    expect(tabOf(createExtensionTester(entityKli8ntLogsContent))).toEqual({
      path: '/logs',
      title: 'Logs',
      withGithubSource: true,
      withoutGithubSource: false,
    });
  });

  it('exports legacy routable extensions', () => {
    expect(kli8ntPlugin.getId()).toBe('kli8nt');
    expect(EntityKli8ntDeployContent).toBeDefined();
    expect(EntityKli8ntLogsContent).toBeDefined();
    expect(kli8ntApiRef.id).toBe('plugin.kli8nt.client');
  });

  it('shows the tabs only for entities with a GitHub source', () => {
    expect(
      isKli8ntAvailable(entity({ 'github.com/project-slug': 'a/b' })),
    ).toBe(true);
    expect(isKli8ntAvailable(entity({}))).toBe(false);
  });
});
