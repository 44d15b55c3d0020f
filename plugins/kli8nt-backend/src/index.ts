export { kli8ntPlugin as default } from './plugin';
