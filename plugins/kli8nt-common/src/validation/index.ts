// Every schema here bounds its length first, so a huge value fails cheaply
// with a size message before any regular expression looks at it.
export * from './text';
export * from './names';
export * from './git';
export * from './images';
export * from './env';
export * from './parse';
