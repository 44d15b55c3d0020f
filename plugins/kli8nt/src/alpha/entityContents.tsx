import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { GITHUB_PROJECT_SLUG_ANNOTATION } from '../components/shared/format';

const hasGithubSource = {
  [`metadata.annotations.${GITHUB_PROJECT_SLUG_ANNOTATION}`]: {
    $exists: true,
  },
};

export const entityKli8ntDeployContent = EntityContentBlueprint.make({
  name: 'deploy',
  params: {
    path: '/deploy',
    title: 'Deploy',
    group: 'deployment',
    filter: hasGithubSource,
    loader: () => import('../components/DeployTab').then(m => <m.DeployTab />),
  },
});

export const entityKli8ntLogsContent = EntityContentBlueprint.make({
  name: 'logs',
  params: {
    path: '/logs',
    title: 'Logs',
    group: 'deployment',
    filter: hasGithubSource,
    loader: () => import('../components/LogsTab').then(m => <m.LogsTab />),
  },
});
