/** `tributary kafka`: a local KRaft cluster with the OTLP topics, until Ctrl-C. */
import { resolve } from 'node:path';
import type { Config } from '../../../core/config/options.js';
import { stopOnSignals } from '../../../core/lifecycle.js';
import { createLogger } from '../../../core/log.js';
import { startKafka } from './runner.js';
import { ensureTopics, topicNames } from './topics.js';

export async function runKafkaCommand(config: Config): Promise<void> {
  const log = createLogger({ component: 'kafka' });
  const kafka = await startKafka({
    dataDir: resolve(config.stateDir, 'kafka'),
    port: config['kafka.port'],
    brokerCount: config['kafka.brokerCount'],
    version: config['kafka.version'],
    onProgress: (line) => process.stdout.write(`[kafka] ${line}\n`),
  });
  stopOnSignals(() => kafka.stop(), log, 30_000);
  const topics = topicNames(config, { withDlq: true });
  await ensureTopics(kafka.brokers, topics, config['kafka.partitions'], config['kafka.replicationFactor']);
  process.stdout.write(`[kafka] topics: ${topics.join(', ')}\n`);
  process.stdout.write(`[kafka] bootstrap servers: ${kafka.brokers.join(',')}\n`);
  process.stdout.write('[kafka] Ctrl-C stops the broker(s).\n');
}
