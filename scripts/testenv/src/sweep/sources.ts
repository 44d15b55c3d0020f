/*
 * Where the secrets sweep looks: log files, every Kafka topic, every
 * RabbitMQ queue (dead-letter and retry queues included), the portal's
 * databases and every Kubernetes object. Each source reports how much it
 * read, so a sweep that read nothing cannot pass as clean.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
// This package's clients are dev dependencies (it is test tooling only);
// declaring them as dependencies would change the lockfile.
// eslint-disable-next-line @backstage/no-undeclared-imports
import amqp from 'amqplib';
// eslint-disable-next-line @backstage/no-undeclared-imports
import { Kafka, logLevel } from 'kafkajs';
// eslint-disable-next-line @backstage/no-undeclared-imports
import { Client } from 'pg';
import { Hit, Needle, search } from './needles';

const exec = promisify(execFile);

/** Records and objects are one JSON line: their line number says nothing. */
const withoutLine = (hits: Hit[]) =>
  hits.map(h => ({ ...h, where: h.where.replace(/:\d+$/, '') }));

export interface SourceResult {
  source: string;
  /** e.g. "212 files, 48 MiB" */
  read: string;
  /** Files, records, messages, rows or objects read. */
  count: number;
  hits: Hit[];
}

/** Every `*.log` file, and every file under a `logs` directory, below the roots. */
export function logFiles(roots: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string, inLogs: boolean) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, inLogs || entry.name === 'logs');
      else if (entry.isFile() && (inLogs || /\.log(\.\d+)?$/.test(entry.name)))
        files.push(full);
    }
  };
  for (const root of roots) walk(root, path.basename(root) === 'logs');
  return [...new Set(files)].sort();
}

export function sweepFiles(roots: string[], needles: Needle[]): SourceResult {
  const files = logFiles(roots);
  let bytes = 0;
  const hits: Hit[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'latin1');
    bytes += text.length;
    hits.push(...search(text, needles, file));
  }
  return {
    source: 'log files',
    read: `${files.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB`,
    count: files.length,
    hits,
  };
}

/** One topic from the beginning until every partition reached its end offset. */
async function readTopic(
  kafka: Kafka,
  topic: string,
  pending: Map<number, number>,
  needles: Needle[],
): Promise<{ records: number; hits: Hit[] }> {
  const hits: Hit[] = [];
  let records = 0;
  const consumer = kafka.consumer({
    groupId: `kli8nt-secrets-sweep-${process.pid}-${Date.now()}`,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Kafka topic ${topic}: not read within 60 s`)),
        60_000,
      );
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            records++;
            const where = `kafka ${topic}[${partition}]@${message.offset}`;
            const text = [
              message.key?.toString('utf8') ?? '',
              message.value?.toString('utf8') ?? '',
              ...Object.values(message.headers ?? {}).map(String),
            ].join('\n');
            hits.push(...withoutLine(search(text, needles, where)));
            if (Number(message.offset) + 1 >= (pending.get(partition) ?? 0))
              pending.delete(partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return { records, hits };
}

/** Every record of every topic, from the beginning to the current end. */
export async function sweepKafka(
  brokers: string[],
  needles: Needle[],
): Promise<SourceResult> {
  const kafka = new Kafka({
    clientId: 'kli8nt-secrets-sweep',
    brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const hits: Hit[] = [];
  let records = 0;
  let topics: string[] = [];
  try {
    topics = (await admin.listTopics()).filter(t => !t.startsWith('__'));
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const pending = new Map(
        ends
          .filter(p => Number(p.high) > Number(p.low))
          .map(p => [p.partition, Number(p.high)]),
      );
      if (pending.size === 0) continue;
      const read = await readTopic(kafka, topic, pending, needles);
      records += read.records;
      hits.push(...read.hits);
    }
  } finally {
    await admin.disconnect();
  }
  return {
    source: 'Kafka',
    read: `${topics.length} topics, ${records} records`,
    count: records,
    hits,
  };
}

/**
 * Every message of every queue, read with basic.get and put back (the
 * channel closes without acking them). Queue names come from rabbitmqctl:
 * AMQP cannot list queues.
 */
export async function sweepRabbitmq(
  url: string,
  queues: string[],
  needles: Needle[],
): Promise<SourceResult> {
  const connection = await amqp.connect(url);
  const hits: Hit[] = [];
  let messages = 0;
  try {
    for (const queue of queues) {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      for (;;) {
        const message = await channel.get(queue, { noAck: false });
        if (message === false) break;
        messages++;
        const text = [
          message.content.toString('utf8'),
          JSON.stringify(message.properties.headers ?? {}),
        ].join('\n');
        hits.push(
          ...withoutLine(
            search(text, needles, `rabbitmq ${queue} message ${messages}`),
          ),
        );
      }
      await channel.close();
    }
  } finally {
    await connection.close();
  }
  return {
    source: 'RabbitMQ',
    read: `${queues.length} queues, ${messages} messages`,
    count: messages,
    hits,
  };
}

/** Every row of every table of the databases whose name starts with `prefix`. */
export async function sweepPostgres(
  url: string,
  prefix: string,
  needles: Needle[],
): Promise<SourceResult> {
  const hits: Hit[] = [];
  let rows = 0;
  let tables = 0;
  const main = new Client({ connectionString: url });
  await main.connect();
  const { rows: dbs } = await main
    .query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY datname',
      [`${prefix.replace(/_/g, '\\_')}%`],
    )
    .finally(() => main.end());
  for (const { datname } of dbs) {
    const base = new URL(url);
    base.pathname = `/${datname}`;
    const db = new Client({ connectionString: base.toString() });
    await db.connect();
    try {
      const { rows: list } = await db.query<{
        schemaname: string;
        tablename: string;
      }>(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
      );
      for (const { schemaname, tablename } of list) {
        tables++;
        const result = await db.query(
          `SELECT * FROM "${schemaname}"."${tablename}"`,
        );
        for (const [i, row] of result.rows.entries()) {
          rows++;
          hits.push(
            ...withoutLine(
              search(
                JSON.stringify(row),
                needles,
                `postgres ${datname}.${schemaname}.${tablename} row ${i + 1}`,
              ),
            ),
          );
        }
      }
    } finally {
      await db.end();
    }
  }
  return {
    source: 'PostgreSQL',
    read: `${dbs.length} databases, ${tables} tables, ${rows} rows`,
    count: rows,
    hits,
  };
}

/** A Secret whose values are expected to hold a credential, and which. */
export interface ExpectedSecret {
  namespace: string;
  name?: string;
  type?: string;
  /** Why the value belongs there (printed in the report). */
  why: string;
}

export function isExpectedSecret(
  object: { metadata?: { namespace?: string; name?: string }; type?: string },
  expected: ExpectedSecret[],
): ExpectedSecret | undefined {
  return expected.find(
    e =>
      (e.namespace === '*' || e.namespace === object.metadata?.namespace) &&
      (!e.name || e.name === object.metadata?.name) &&
      (!e.type || e.type === object.type),
  );
}

/**
 * Every object of every listable resource type, as JSON; Secret values are
 * decoded first (base64 is plaintext to anyone who can read the Secret).
 */
export async function sweepKubernetes(
  needles: Needle[],
  expected: ExpectedSecret[],
): Promise<SourceResult> {
  const kubectl = async (args: string[]) =>
    (await exec('kubectl', args, { maxBuffer: 512 << 20 })).stdout;
  const types = (await kubectl(['api-resources', '--verbs=list', '-o', 'name']))
    .split('\n')
    .filter(Boolean)
    // Events and the API's own bookkeeping are objects too: kept.
    .sort();
  const hits: Hit[] = [];
  let objects = 0;
  let excused = 0;
  // Type by type, six at a time: a type that is listed but not served
  // (an aggregated API that is down) is skipped alone.
  const byType: any[][] = types.map(() => []);
  let next = 0;
  const worker = async () => {
    while (next < types.length) {
      const i = next++;
      try {
        byType[i] = JSON.parse(
          await kubectl(['get', types[i], '-A', '-o', 'json']),
        ).items;
      } catch {
        // not served
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  const items = byType.flat();
  for (const object of items) {
    objects++;
    const ref = `${object.kind} ${object.metadata?.namespace ?? ''}/${
      object.metadata?.name
    }`;
    if (object.kind === 'Secret') {
      if (isExpectedSecret(object, expected)) {
        excused++;
        continue;
      }
      const decoded = Object.fromEntries(
        Object.entries(object.data ?? {}).map(([k, v]) => [
          k,
          Buffer.from(String(v), 'base64').toString('utf8'),
        ]),
      );
      object.data = decoded;
    }
    hits.push(
      ...withoutLine(
        search(JSON.stringify(object), needles, `kubernetes ${ref}`),
      ),
    );
  }
  return {
    source: 'Kubernetes',
    read: `${types.length} resource types, ${objects} objects (${excused} expected Secrets not searched)`,
    count: objects,
    hits,
  };
}
