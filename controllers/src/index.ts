/**
 * Kli8nt in-cluster controllers: `kli8nt-controller <build|deploy|logs>` and
 * the `kli8nt-detect` CLI, both from this one package and image.
 *
 * @packageDocumentation
 */
export { main, runMain } from './main';
export { runDetectCli } from './detect';
