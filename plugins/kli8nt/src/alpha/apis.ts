import { ApiBlueprint } from '@backstage/frontend-plugin-api';
import { kli8ntClientFactory } from '../api/Kli8ntClient';

export const kli8ntApi = ApiBlueprint.make({
  params: defineParams => defineParams(kli8ntClientFactory),
});
