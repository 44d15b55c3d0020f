export * from './apply';
export * from './backoff';
export * from './clock';
export * from './controller';
export * from './informer';
export * from './kube';
export * from './logger';
export * from './workQueue';
export { parseTolerations } from './tolerations';
