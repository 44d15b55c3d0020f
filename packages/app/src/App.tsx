import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import kubernetesPlugin from '@backstage/plugin-kubernetes/alpha';
import kli8ntPlugin from '@kli8nt/backstage-plugin-kli8nt/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';

export default createApp({
  // Kubernetes: the entity's Kubernetes tab shows the pods Kli8nt runs for
  // it (they carry its backstage.io/kubernetes-id label).
  features: [
    catalogPlugin,
    kubernetesPlugin,
    kli8ntPlugin,
    navModule,
    homeModule,
  ],
});
