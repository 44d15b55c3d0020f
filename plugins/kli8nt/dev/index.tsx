import ReactDOM from 'react-dom/client';
import { createApp } from '@backstage/frontend-defaults';
import plugin from '../src/alpha';

// frontend-dev-utils pins an older frontend-plugin-api than this repo, so the
// dev harness is a plain app with just this plugin.
const app = createApp({ features: [plugin] });

ReactDOM.createRoot(document.getElementById('root')!).render(app.createRoot());
