/*
 * The secrets sweep finds a planted secret in each place it searches, on
 * the real services of the test world (a sweep that cannot find anything
 * would pass every time), and leaves what it reads where it was.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { CREDENTIAL_PATTERNS, Needle, search } from './needles';
import {
  isExpectedSecret,
  logFiles,
  sweepFiles,
  sweepKafka,
  sweepKubernetes,
  sweepPostgres,
  sweepRabbitmq,
} from './sources';

const exec = promisify(execFile);
const env = process.env;
const ready = Boolean(
  env.KLI8NT_TEST_AMQP_URL &&
    env.KLI8NT_TEST_KAFKA_BROKERS &&
    env.KLI8NT_TEST_PG_URL &&
    env.KUBECONFIG,
);
if (!ready && env.KLI8NT_TESTENV === 'required') {
  throw new Error(
    'KLI8NT_TESTENV=required but the test world is not in the environment (testenv env)',
  );
}

jest.setTimeout(300_000);

const secret = `planted-${randomBytes(12).toString('hex')}`;
const needles: Needle[] = [
  ...CREDENTIAL_PATTERNS,
  { name: 'planted secret', value: secret },
];
const token = `ghs_${randomBytes(27).toString('base64url')}`;

describe('search', () => {
  it('names the needle and the line, never the value', () => {
    const hits = search(`a\nb ${secret}\nc ${token}`, needles, 'f');
    expect(hits).toEqual([
      { needle: 'GitHub installation token', where: 'f:3' },
      { needle: 'planted secret', where: 'f:2' },
    ]);
    expect(JSON.stringify(hits)).not.toContain(secret);
  });

  it('finds the Basic header git sends with a token, and PEM keys', () => {
    const basic = Buffer.from(
      `x-access-token:${randomBytes(8).toString('hex')}`,
    ).toString('base64');
    expect(search(`Authorization: Basic ${basic}`, needles, 'x')).toEqual([
      { needle: 'git Basic credential (x-access-token)', where: 'x:1' },
    ]);
    expect(
      search('-----BEGIN PRIVATE KEY-----', needles, 'k').map(h => h.needle),
    ).toEqual(['private key (PEM)']);
  });

  it('excuses Secrets by namespace, name and type', () => {
    const expected = [
      { namespace: '*', name: 'kli8nt-registry', why: '' },
      { namespace: '*', type: 'kubernetes.io/tls', why: '' },
    ];
    expect(
      isExpectedSecret(
        { metadata: { namespace: 'b', name: 'kli8nt-registry' } },
        expected,
      ),
    ).toBeDefined();
    expect(
      isExpectedSecret(
        { metadata: { namespace: 'b', name: 'x' }, type: 'kubernetes.io/tls' },
        expected,
      ),
    ).toBeDefined();
    expect(
      isExpectedSecret(
        { metadata: { namespace: 'b', name: 'x' }, type: 'Opaque' },
        expected,
      ),
    ).toBeUndefined();
  });
});

describe('log files', () => {
  it('reads *.log files and everything under logs/, and finds what they hold', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kli8nt-sweep-'));
    fs.mkdirSync(path.join(root, 'logs/rabbitmq'), { recursive: true });
    fs.mkdirSync(path.join(root, 'data'));
    fs.writeFileSync(path.join(root, 'logs/rabbitmq/node'), `x ${secret}\n`);
    fs.writeFileSync(path.join(root, 'data/server.log'), `y\n${token}\n`);
    fs.writeFileSync(path.join(root, 'data/config.yaml'), secret);
    expect(logFiles([root]).map(f => path.relative(root, f))).toEqual([
      'data/server.log',
      'logs/rabbitmq/node',
    ]);
    const result = sweepFiles([root], needles);
    expect(result.hits).toEqual([
      {
        needle: 'GitHub installation token',
        where: `${root}/data/server.log:2`,
      },
      { needle: 'planted secret', where: `${root}/logs/rabbitmq/node:1` },
    ]);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

(ready ? describe : describe.skip)('on the test world', () => {
  const suffix = randomBytes(4).toString('hex');

  it('finds a secret in a Kafka topic', async () => {
    const kafka = new Kafka({
      clientId: 'sweep-test',
      brokers: env.KLI8NT_TEST_KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
    });
    const topic = `kli8nt-sweep-test-${suffix}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ value: 'clean' }, { value: `line with ${secret}` }],
    });
    await producer.disconnect();
    const result = await sweepKafka(
      env.KLI8NT_TEST_KAFKA_BROKERS!.split(','),
      needles,
    );
    expect(result.hits).toContainEqual({
      needle: 'planted secret',
      where: `kafka ${topic}[0]@1`,
    });
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('finds a secret in a queue, and leaves the messages in it', async () => {
    const queue = `kli8nt.sweep-test.${suffix}`;
    const connection = await amqp.connect(env.KLI8NT_TEST_AMQP_URL!);
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: false });
    channel.sendToQueue(queue, Buffer.from('{"clean":true}'));
    channel.sendToQueue(queue, Buffer.from(`{"x":"${secret}"}`));
    await channel.waitForConfirms();
    const result = await sweepRabbitmq(
      env.KLI8NT_TEST_AMQP_URL!,
      [queue],
      needles,
    );
    expect(result.read).toBe('1 queues, 2 messages');
    expect(result.hits.map(h => h.needle)).toEqual(['planted secret']);
    expect((await channel.checkQueue(queue)).messageCount).toBe(2);
    await channel.deleteQueue(queue);
    await channel.close();
    await connection.close();
  });

  it('finds a secret in a row of a portal database', async () => {
    const db = `kli8nt_portal_sweeptest_${suffix}`;
    const admin = new Client({ connectionString: env.KLI8NT_TEST_PG_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    try {
      const url = new URL(env.KLI8NT_TEST_PG_URL!);
      url.pathname = `/${db}`;
      const client = new Client({ connectionString: url.toString() });
      await client.connect();
      await client.query('CREATE TABLE outbox (id int, message text)');
      await client.query('INSERT INTO outbox VALUES (1, $1), (2, $2)', [
        'clean',
        `{"t":"${token}"}`,
      ]);
      await client.end();
      const result = await sweepPostgres(
        env.KLI8NT_TEST_PG_URL!,
        'kli8nt_portal_sweeptest_',
        needles,
      );
      expect(result.hits).toContainEqual({
        needle: 'GitHub installation token',
        where: `postgres ${db}.public.outbox row 2`,
      });
    } finally {
      await admin.query(`DROP DATABASE ${db}`);
      await admin.end();
    }
  });

  it('finds a secret in a Kubernetes object and in a Secret (decoded), not in an expected one', async () => {
    const ns = `kli8nt-sweep-test-${suffix}`;
    const kubectl = (args: string[], input?: string) => {
      const child = exec('kubectl', args);
      if (input) child.child.stdin!.end(input);
      return child;
    };
    await kubectl(['create', 'namespace', ns]);
    try {
      await kubectl(
        ['apply', '-n', ns, '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: 'leaky' },
              data: { note: `token ${token}` },
            },
            {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: 'leaky-secret' },
              stringData: { value: secret },
            },
            {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: 'kli8nt-registry' },
              stringData: { value: secret },
            },
          ],
        }),
      );
      const result = await sweepKubernetes(needles, [
        { namespace: ns, name: 'kli8nt-registry', why: 'expected' },
      ]);
      const mine = result.hits.filter(h => h.where.includes(` ${ns}/`));
      expect(mine).toEqual([
        {
          needle: 'GitHub installation token',
          where: `kubernetes ConfigMap ${ns}/leaky`,
        },
        {
          needle: 'planted secret',
          where: `kubernetes Secret ${ns}/leaky-secret`,
        },
      ]);
    } finally {
      await kubectl(['delete', 'namespace', ns, '--wait=false']).catch(
        () => undefined,
      );
    }
  });
});
