/**
 * Kli8nt in-cluster controllers.
 *
 * @packageDocumentation
 */
export {};
