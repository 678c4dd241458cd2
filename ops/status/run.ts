/**
 * `tributary status`: one snapshot (`--once`, or `--json` for scripts, or when stdout is not a
 * terminal), else a view refreshed in place every status.intervalMs until Ctrl-C.
 */
import { clickhouseFromConfig } from '../../core/clickhouse.js';
import type { Config } from '../../core/config/options.js';
import { createLogger } from '../../core/log.js';
import { createKafka } from '../../kafka/create.js';
import { kafkaSecurity } from '../../kafka/security.js';
import { type StatusSnapshot, collectStatus } from './collect.js';
import { renderStatus } from './render.js';

export async function runStatusCommand(config: Config): Promise<void> {
  const kafka = createKafka({
    brokers: config['kafka.brokers'],
    clientId: `${config['kafka.clientId']}-status`,
    log: createLogger({ component: 'status' }),
    security: kafkaSecurity(config),
  });
  const sources = { admin: kafka.admin(), client: clickhouseFromConfig(config), config };
  const close = () => Promise.allSettled([sources.admin.close(), sources.client.close()]);
  try {
    if (config.json || config.once || !process.stdout.isTTY) {
      const snapshot = await collectStatus(sources);
      process.stdout.write((config.json ? JSON.stringify(snapshot, null, 2) : renderStatus(snapshot)) + '\n');
      return;
    }
    let stop = false;
    const stopped = new Promise<void>((resolve) =>
      process.once('SIGINT', () => {
        stop = true;
        resolve();
      }),
    );
    let previous: StatusSnapshot | undefined;
    while (!stop) {
      const snapshot = await collectStatus(sources);
      // Home and clear: the view replaces itself instead of scrolling.
      process.stdout.write(`\x1b[H\x1b[2J${renderStatus(snapshot, previous)}\n\n(Ctrl-C to quit)\n`);
      previous = snapshot;
      await Promise.race([stopped, new Promise((r) => setTimeout(r, config['status.intervalMs']))]);
    }
  } finally {
    await close();
  }
}
