import { createBackend } from '@backstage/backend-defaults';
import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';

// A minimal backend for working on this plugin alone (`yarn start` here):
// mocked auth and a one-entity catalog. Without kli8nt.rabbitmq and
// kli8nt.kafka config the in-memory work queue and log bus are used.
//
//   curl http://localhost:7007/api/kli8nt/health
//   curl 'http://localhost:7007/api/kli8nt/deployments?entityRef=component:default/sample'

const backend = createBackend();

backend.add(mockServices.auth.factory());
backend.add(mockServices.httpAuth.factory());
backend.add(
  catalogServiceMock.factory({
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'sample',
          title: 'Sample Component',
          annotations: { 'github.com/project-slug': 'backstage/backstage' },
        },
        spec: { type: 'service' },
      },
    ],
  }),
);
backend.add(import('../src'));

backend.start();
