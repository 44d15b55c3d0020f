import { startTestBackend } from '@backstage/backend-test-utils';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import {
  scaffolderActionsExtensionPoint,
  type TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import scaffolderModule from '.';

describe('scaffolder module', () => {
  it('registers kli8nt:deploy', async () => {
    const actions: TemplateAction<any, any, any>[] = [];
    const fakeScaffolder = createBackendPlugin({
      pluginId: 'scaffolder',
      register(env) {
        env.registerExtensionPoint(scaffolderActionsExtensionPoint, {
          addActions: (...a: TemplateAction<any, any, any>[]) => {
            actions.push(...a);
          },
        });
        env.registerInit({ deps: {}, async init() {} });
      },
    });
    await startTestBackend({ features: [fakeScaffolder, scaffolderModule] });
    expect(actions.map(a => a.id)).toEqual(['kli8nt:deploy']);
  });
});
