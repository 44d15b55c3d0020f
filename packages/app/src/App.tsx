import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import kli8ntPlugin from '@internal/backstage-plugin-kli8nt/alpha';
import { navModule } from './modules/nav';
import { homeModule } from './modules/home';

export default createApp({
  features: [catalogPlugin, kli8ntPlugin, navModule, homeModule],
});
