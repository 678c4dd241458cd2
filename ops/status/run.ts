/**
 * `tributary status`: one snapshot (`--once`, or `--json` for scripts, or when stdout is not a
 * terminal) with the rates over status.intervalMs, else a view refreshed in place every
 * status.intervalMs until Ctrl-C.
 */
import { clickhouseFromConfig } from '../../core/clickhouse.js';
import type { Config } from '../../core/config/options.js';
import { createLogger } from '../../core/log.js';
import { createKafka } from '../../kafka/create.js';
import { kafkaSecurity } from '../../kafka/security.js';
import { type StatusSnapshot, collectStatus } from './collect.js';
import { ratesBetween } from './rates.js';
import { renderStatus } from './render.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A snapshot with the rates since `previous`, when there is one. */
async function snapshotAfter(
  sources: Parameters<typeof collectStatus>[0],
  previous: StatusSnapshot | undefined,
): Promise<StatusSnapshot> {
  const snapshot = await collectStatus(sources);
  const rates = previous && ratesBetween(previous, snapshot);
  return rates ? { ...snapshot, rates } : snapshot;
}

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
      // Two looks status.intervalMs apart: the rates the refreshing view shows, in one snapshot.
      const first = await collectStatus(sources);
      await sleep(config['status.intervalMs']);
      const snapshot = await snapshotAfter(sources, first);
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
      const snapshot = await snapshotAfter(sources, previous);
      // Home and clear: the view replaces itself instead of scrolling.
      process.stdout.write(`\x1b[H\x1b[2J${renderStatus(snapshot, previous)}\n\n(Ctrl-C to quit)\n`);
      previous = snapshot;
      await Promise.race([stopped, new Promise((r) => setTimeout(r, config['status.intervalMs']))]);
    }
  } finally {
    await close();
  }
}
