import {
  INFORM_QUEUE,
  Kli8ntMessage,
  parseMessage,
} from '@internal/backstage-plugin-kli8nt-common';
import {
  AmqpWorkQueue,
  Kli8ntLogger,
  RabbitMqConfig,
  WorkQueue,
} from '@internal/backstage-plugin-kli8nt-node';
import type { TestGithub } from '@internal/testenv';
import { KubeConfig } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { BuildConfig } from '../../config';
import { createLogger } from '../../runtime';
import { BuildController } from '../../build/controller';
import { parseBuildQueueMessage } from '../../build/queueAdapter';

/*
 * The parts of the test world the real-node build suite drives: the local
 * GitHub (App installation tokens, the API's clone URL), kubectl, and a real
 * BuildController on a real RabbitMQ whose reports land in a per-run INFORM
 * queue.
 */

const exec = promisify(execFile);

export async function kubectl(args: string[], input?: string) {
  const child = exec('kubectl', args, { maxBuffer: 32 << 20 });
  if (input !== undefined) child.child.stdin!.end(input);
  return (await child).stdout;
}

/** A GitHub App JWT (RS256, ten minutes), as the backend signs it. */
function appJwt(github: TestGithub): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) =>
    Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
    iat: now - 30,
    exp: now + 540,
    iss: github.appId,
  })}`;
  const signer = createSign('RSA-SHA256');
  signer.update(unsigned);
  const key = readFileSync(github.appKeyFile, 'utf8');
  return `${unsigned}.${signer.sign(key).toString('base64url')}`;
}

async function api<T>(
  github: TestGithub,
  path: string,
  auth: string,
  method = 'GET',
): Promise<T> {
  const response = await fetch(`${github.apiBaseUrl}${path}`, {
    method,
    headers: { authorization: auth, accept: 'application/vnd.github+json' },
  });
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status}`);
  }
  return (await response.json()) as T;
}

/**
 * Mints an installation token of the owner's installation, as the backend
 * does for a BuildRequested, and reads the repository's clone URL (the one
 * build pods reach) with it.
 */
export async function mintCloneAccess(
  github: TestGithub,
  owner: string,
  name: string,
): Promise<{ token: string; cloneUrl: string }> {
  const jwt = `Bearer ${appJwt(github)}`;
  const installation = await api<{ id: number }>(
    github,
    `/repos/${owner}/${name}/installation`,
    jwt,
  );
  const { token } = await api<{ token: string }>(
    github,
    `/app/installations/${installation.id}/access_tokens`,
    jwt,
    'POST',
  );
  const repo = await api<{ clone_url: string; private: boolean }>(
    github,
    `/repos/${owner}/${name}`,
    `token ${token}`,
  );
  if (!repo.private) throw new Error(`${owner}/${name} is not private`);
  return { token, cloneUrl: repo.clone_url };
}

const silent: Kli8ntLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * A BuildController on the real broker. Everything it publishes is also
 * recorded in `received` (INFORM remapped to a per-run queue).
 */
export async function startBuildController(
  config: BuildConfig,
  informQueue: string,
) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(process.env.KUBECONFIG!);
  const amqp = await AmqpWorkQueue.create({
    config: config.amqp,
    parser: parseBuildQueueMessage,
    logger: silent,
  });
  const queue: WorkQueue<Kli8ntMessage> = {
    publish: (name, message) =>
      amqp.publish(name === INFORM_QUEUE ? informQueue : name, message),
    consume: (name, handler, opts) => amqp.consume(name, handler, opts),
    consumeDeadLetters: handler => amqp.consumeDeadLetters(handler),
    close: () => amqp.close(),
  };
  const controller = new BuildController({
    kubeConfig,
    config,
    shared: { resyncMs: 5_000, watchStaleMs: 60_000, workers: 2 },
    queue,
    logger: createLogger(
      {},
      process.env.KLI8NT_TEST_VERBOSE ? undefined : () => {},
    ),
  });
  await controller.start();
  return {
    stop: async () => {
      await controller.stop();
      await amqp.close();
    },
  };
}

/** Publishes to and records from the per-run queues. */
export async function messageTap(amqpConfig: RabbitMqConfig, queues: string[]) {
  const received: Array<{ queue: string; message: Kli8ntMessage }> = [];
  const tap = await AmqpWorkQueue.create({
    config: amqpConfig,
    parser: parseMessage,
    logger: silent,
  });
  for (const queue of queues) {
    await tap.consume(queue, async message => {
      received.push({ queue, message });
    });
  }
  return {
    received,
    publish: (queue: string, message: Kli8ntMessage) =>
      tap.publish(queue, message),
    close: () => tap.close(),
  };
}
