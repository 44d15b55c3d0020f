export { LogsTab } from './LogsTab';
