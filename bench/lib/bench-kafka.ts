/**
 * A one-broker Kafka of a bench's own, in a fresh temporary directory (the Kafka-only benches:
 * bench:receiver, bench:overload). The test harness's topic helpers are pointed at it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalKafka, startKafka } from '../../deploy/local/kafka/runner.js';
import { freePort } from '../../test/harness/stack.js';

export interface BenchKafka {
  readonly kafka: LocalKafka;
  /** The bench's temporary directory (Kafka's data is under it; logs may go there too). */
  readonly root: string;
  /** Stops the broker and removes the directory. */
  stop(): Promise<void>;
}

export async function startBenchKafka(name: string, say: (line: string) => void): Promise<BenchKafka> {
  const root = mkdtempSync(join(tmpdir(), `tributary-bench-${name}-`));
  const kafka = await startKafka({
    dataDir: join(root, 'kafka'),
    port: await freePort(),
    brokerCount: 1,
    version: process.env['TEST_KAFKA_VERSION'] ?? '4.1.1',
    onProgress: (line) => say(`kafka: ${line}`),
  });
  process.env['TEST_KAFKA_BROKERS'] = kafka.brokers.join(',');
  return {
    kafka,
    root,
    stop: async () => {
      await kafka.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
