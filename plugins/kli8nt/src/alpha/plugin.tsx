import { createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { kli8ntApi } from './apis';
import {
  entityKli8ntDeployContent,
  entityKli8ntLogsContent,
} from './entityContents';

/**
 * Kli8nt for the new frontend system: the Deploy and Logs tabs of catalog
 * entities with a GitHub source, and the client of the Kli8nt backend.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'kli8nt',
  title: 'Kli8nt',
  info: { packageJson: () => import('../../package.json') },
  extensions: [kli8ntApi, entityKli8ntDeployContent, entityKli8ntLogsContent],
});
