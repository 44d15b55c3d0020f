/*
 * (f) Pod log → Kafka: a busybox pod on the test world's real node
 * (containerd + kubelet) writes a burst of lines, then live lines. First a
 * plain client follows its log straight from the apiserver
 * (`pods/log?follow=true`, what `kubectl logs -f` does); then the log
 * controller (its own process, `kli8nt-controller logs`) ships the same
 * log to Kafka, read back by a raw consumer. Both: lines/s through the
 * burst (first line to last, so start-up is apart), and the live lines'
 * lag behind the container runtime's timestamp.
 */
import { ConfigReader } from '@backstage/config';
import { logTopicName } from '@kli8nt/backstage-plugin-kli8nt-common';
import {
  createLogBusClient,
  readKli8ntNodeConfig,
} from '@kli8nt/backstage-plugin-kli8nt-node';
import { randomBytes } from 'node:crypto';
import { ControllerProcess } from './controllerProcess';
import { PlainKube } from './kube';
import { percentiles, quantile, sleep } from './stats';
import { BenchContext, BenchResult } from './types';

/** What one reader saw: burst timing and live lags. */
class Tally {
  burst = 0;
  firstAt = 0;
  lastBurstAt = 0;
  burstDoneAt = 0;
  lags: number[] = [];
  constructor(private readonly total: number) {}

  line(text: string, timestamp: string) {
    const at = performance.now();
    if (text.startsWith('burst ')) {
      if (this.burst++ === 0) this.firstAt = at;
      this.lastBurstAt = at;
      if (this.burst === this.total) this.burstDoneAt = at;
    } else if (text.startsWith('live ') && this.burstDoneAt) {
      this.lags.push(Date.now() - Date.parse(`${timestamp.slice(0, 23)}Z`));
    }
  }

  /** Burst lines/s, over what arrived when the burst did not finish in time. */
  rate(): number {
    return ((this.burst - 1) / (this.lastBurstAt - this.firstAt)) * 1000;
  }

  /** Waits up to `ms` for the whole burst; false if only part came. */
  async wait(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.burstDoneAt && Date.now() < deadline) await sleep(50);
    return this.burstDoneAt > 0;
  }
}

function podSpec(name: string, app: string, image: string, lines: number) {
  // ~120-byte lines as fast as sed writes them, then ~200 lines/s.
  const script = [
    `seq 1 ${lines} | sed 's/^/burst line GET \\/api\\/items 200 12ms padding padding padding padding padding padding padding padding /'`,
    'i=0; while true; do echo "live $i"; i=$((i+1)); usleep 5000; done',
  ].join('\n');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { 'kli8nt.io/app': app } },
    spec: {
      nodeSelector: { 'kli8nt.io/node': 'real' },
      tolerations: [
        { key: 'kli8nt.io/node', value: 'real', effect: 'NoSchedule' },
      ],
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'web',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', script],
        },
      ],
    },
  };
}

export async function podLogsBenchmark(
  ctx: BenchContext,
): Promise<BenchResult> {
  const lines = ctx.quick ? 2_000 : 20_000;
  const liveMs = ctx.quick ? 1_000 : 15_000;
  const suffix = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const ns = `bench-logs-${suffix}`;
  const app = `blog${suffix}`;
  const pod = 'web';
  const kube = new PlainKube(ctx.env.KUBECONFIG);
  const config = readKli8ntNodeConfig(
    new ConfigReader({
      kli8nt: {
        kafka: {
          brokers: ctx.env.KLI8NT_TEST_KAFKA_BROKERS.split(','),
          clientId: 'kli8nt-bench-logs',
        },
      },
    }),
  );
  const quiet = { info() {}, warn() {}, error: console.error };
  const kafka = createLogBusClient({ config, logger: quiet });
  let controller: ControllerProcess | undefined;
  await kube.send('POST', '/api/v1/namespaces', { metadata: { name: ns } });
  try {
    const created = await kube.send(
      'POST',
      `/api/v1/namespaces/${ns}/pods`,
      podSpec(pod, app, ctx.env.KLI8NT_TEST_BUSYBOX_IMAGE, lines),
    );
    if (created.status >= 300) {
      throw new Error(`(f) pod: ${JSON.stringify(created.body)}`);
    }
    const logPath = `/api/v1/namespaces/${ns}/pods/${pod}/log`;
    const deadline = Date.now() + 180_000;
    for (;;) {
      const res = await kube.send('GET', `${logPath}?tailLines=1`);
      if (res.status === 200 && String(res.body).startsWith('live')) break;
      if (Date.now() > deadline) {
        const status = await kube.get(`/api/v1/namespaces/${ns}/pods/${pod}`);
        throw new Error(
          `(f) the pod on the real node did not start: ${JSON.stringify(
            status.status,
          )}`,
        );
      }
      await sleep(500);
    }

    ctx.log(`(f) ${lines} lines from the apiserver, then live`);
    const raw = new Tally(lines);
    let rest = '';
    const follow = kube.stream(
      `${logPath}?follow=true&timestamps=true`,
      chunk => {
        const text = rest + chunk.toString();
        const parts = text.split('\n');
        rest = parts.pop()!;
        for (const part of parts) {
          const space = part.indexOf(' ');
          raw.line(part.slice(space + 1), part.slice(0, space));
        }
      },
    );
    const rawComplete = await raw.wait(300_000);
    if (rawComplete) await sleep(liveMs);
    follow.abort();
    await follow.done;

    ctx.log(`(f) the same log through the log controller to Kafka`);
    controller = new ControllerProcess(
      'logs',
      {
        KUBECONFIG: ctx.env.KUBECONFIG,
        KLI8NT_CLUSTER: `bench-${suffix}`,
        KLI8NT_KAFKA_BROKERS: ctx.env.KLI8NT_TEST_KAFKA_BROKERS,
        KLI8NT_LOGS_NAMESPACES: ns,
        KLI8NT_LOGS_METRICS_PORT: '0',
        POD_NAMESPACE: ns,
      },
      ctx.profileDir,
    );
    const topic = logTopicName(app);
    for (;;) {
      controller.check();
      try {
        await kafka.partitionOffsets(topic);
        break;
      } catch {
        await sleep(200);
      }
    }
    const shipped = new Tally(lines);
    const reader = await kafka.read(
      topic,
      new Map([[0, '0']]),
      records => {
        for (const r of records)
          shipped.line(r.value, r.headers.timestamp ?? '');
      },
      error => {
        throw error;
      },
    );
    const shippedComplete = await shipped.wait(300_000);
    if (shippedComplete) await sleep(liveMs);
    await reader.close();
    const rssMb = controller.peakRssMb();
    const cpuMs = controller.cpuMs();

    const value = shipped.rate();
    const baselineValue = raw.rate();
    const ratio = value / baselineValue;
    const lag = (t: Tally) =>
      `p50 ${Math.round(quantile(t.lags, 0.5))} ms, p99 ${Math.round(
        quantile(t.lags, 0.99),
      )} ms (${t.lags.length} lines)`;
    return {
      id: 'f',
      name: 'pod log → Kafka (log controller), real node',
      workload: `a busybox pod on the real node: ${lines} ~120-byte lines at once, then ~200 lines/s for ${
        liveMs / 1000
      } s; lines/s from the first burst line to the last as a raw Kafka consumer sees them`,
      baseline: `the same pod's log followed from the apiserver by a plain client (pods/log?follow=true)`,
      value: Math.round(value),
      baselineValue: Math.round(baselineValue),
      unit: 'lines/s',
      ratio: Number(ratio.toFixed(2)),
      target: '≥ 0.9×',
      pass: ratio >= 0.9,
      notes: [
        `live lag behind the runtime's timestamp: controller → Kafka → consumer ${lag(
          shipped,
        )}; apiserver ${lag(raw)}`,
        `controller peak RSS ${rssMb} MB, CPU ${Math.round(cpuMs)} ms`,
        ...[
          [raw, rawComplete, 'apiserver'] as const,
          [shipped, shippedComplete, 'Kafka'] as const,
        ]
          .filter(([, complete]) => !complete)
          .map(
            ([t, , via]) =>
              `via ${via} only ${t.burst} of ${lines} burst lines within 300 s: the rate is over those`,
          ),
      ],
      distributions: {
        'f lag via Kafka': percentiles(shipped.lags),
        'f lag via apiserver': percentiles(raw.lags),
      },
    };
  } finally {
    await controller?.stop();
    await kafka.close();
    await kube.send('DELETE', `/api/v1/namespaces/${ns}`);
    kube.close();
  }
}
