/**
 * A Kafka of a test's (or a bench's) own, apart from the shared test stack: for faults that would
 * disturb other tests (a frozen or killed broker) and for the Kafka-only benches. Its data lives in
 * a fresh temporary directory that `stop` removes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalKafka, startKafka } from '../../deploy/local/kafka/runner.js';
import { freePort } from './stack.js';

export interface OwnKafka {
  readonly kafka: LocalKafka;
  /** The temporary directory (Kafka's data is under it; logs may go there too). */
  readonly root: string;
  /** Stops the brokers and removes the directory. */
  stop(): Promise<void>;
}

export async function startOwnKafka(
  name: string,
  options: { readonly onProgress?: (line: string) => void } = {},
): Promise<OwnKafka> {
  const root = mkdtempSync(join(tmpdir(), `tributary-${name}-`));
  const kafka = await startKafka({
    dataDir: join(root, 'kafka'),
    port: await freePort(),
    brokerCount: 1,
    version: process.env['TEST_KAFKA_VERSION'] ?? '4.1.1',
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return {
    kafka,
    root,
    stop: async () => {
      await kafka.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
