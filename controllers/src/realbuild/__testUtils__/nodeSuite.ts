import { readTestEnv, TestGithub } from '@internal/testenv';
import path from 'node:path';
import { buildkitJobConfig } from '../../build/testFixtures';
import type { BuildConfig } from '../../config';
import { parseExports, REPO_ROOT, run } from './buildah';
import { nodeBuildDriver } from './nodeBuilds';
import {
  kubectl,
  messageTap,
  NodeBuildWorld,
  setUpNodeBuilds,
  startBuildController,
} from './nodeWorld';

/** The real node's name, when the test world has one. */
export const realNode = process.env.KLI8NT_TEST_REAL_NODE;

/** `describe` on a test world with the real node (or when it is required). */
export const describeOnRealNode =
  realNode || process.env.KLI8NT_TESTENV === 'required'
    ? describe
    : describe.skip;

/** What a real-node build suite works with, from its beforeAll on. */
export interface NodeBuildSuite {
  world: NodeBuildWorld;
  github: TestGithub;
  /** The egress proxy's address as the node reaches it. */
  egressProxyNode: string;
  tap: Awaited<ReturnType<typeof messageTap>>;
  builds: ReturnType<typeof nodeBuildDriver>;
  /** Stops the build controller and starts one with `config`. */
  restartController(config: BuildConfig): Promise<void>;
  /** Stops the controller and the tap, deletes the build namespace. */
  stop(): Promise<void>;
}

/**
 * The BuildKit build role on the real node: checks the test world has the
 * node, the local GitHub, the egress proxy and the builder images, sets up
 * the namespace and queues, and starts a build controller, a message tap
 * (the inform queue and `tapQueues`) and a build driver for `owner`.
 * `prepare` runs once the world is set up, before the controller starts.
 */
export async function startNodeBuildSuite(options: {
  suffix: string;
  owner: string;
  /** Runs after the prerequisites are checked, before anything is set up. */
  preflight?: () => Promise<void>;
  prepare?: (world: NodeBuildWorld) => Promise<void>;
  tapQueues?: (world: NodeBuildWorld) => string[];
}): Promise<NodeBuildSuite> {
  const te = readTestEnv();
  if (!realNode || !te?.github || !te.egressProxyNode) {
    throw new Error(
      'needs KLI8NT_TEST_REAL_NODE, KLI8NT_TEST_GITHUB_* and KLI8NT_TEST_EGRESS_PROXY_NODE (testenv up)',
    );
  }
  const github = te.github;
  await options.preflight?.();
  const listed = await run(
    path.join(REPO_ROOT, 'scripts/images/build-builder-images'),
    ['env'],
  );
  if (listed.code !== 0) {
    throw new Error(`run scripts/images/prepare first:\n${listed.output}`);
  }
  const world = await setUpNodeBuilds(
    options.suffix,
    github,
    te.egressProxyNode,
    parseExports(listed.output),
    buildkitJobConfig,
  );
  const deleteNamespace = () =>
    kubectl(['delete', 'namespace', world.namespace, '--wait=false']).catch(
      () => undefined,
    );
  let tap: NodeBuildSuite['tap'] | undefined;
  let controller: { stop(): Promise<void> } | undefined;
  try {
    await options.prepare?.(world);
    tap = await messageTap(world.config.amqp, [
      world.informQueue,
      ...(options.tapQueues?.(world) ?? []),
    ]);
    controller = await startBuildController(world.config, world.informQueue);
  } catch (error) {
    // Nothing of a half-made suite is left behind for afterAll to miss.
    await tap?.close();
    await deleteNamespace();
    throw error;
  }
  const started = tap;
  return {
    world,
    github,
    egressProxyNode: te.egressProxyNode,
    tap: started,
    builds: nodeBuildDriver(world, started, github, options.owner),
    async restartController(config) {
      await controller?.stop();
      controller = undefined;
      controller = await startBuildController(config, world.informQueue);
    },
    async stop() {
      await controller?.stop();
      await started.close();
      await deleteNamespace();
    },
  };
}
