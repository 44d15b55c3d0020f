import {
  ApiBlueprint,
  discoveryApiRef,
  fetchApiRef,
  identityApiRef,
} from '@backstage/frontend-plugin-api';
import { kli8ntApiRef } from '../api/Kli8ntApi';
import { Kli8ntClient } from '../api/Kli8ntClient';

export const kli8ntApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: kli8ntApiRef,
      deps: {
        discoveryApi: discoveryApiRef,
        fetchApi: fetchApiRef,
        identityApi: identityApiRef,
      },
      factory: deps => new Kli8ntClient(deps),
    }),
});
