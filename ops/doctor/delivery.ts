/**
 * The delivery protocol's checks on the ClickHouse server (writer/delivery/preflight.ts), as doctor
 * findings: the topology (shards, replicated tables and where plans live) and the self-test the writer
 * runs at start, here on demand, with the configured body encoding.
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';
import type { Config } from '../../core/config/options.js';
import { TributaryError, errorMessage } from '../../core/errors.js';
import { resolveCoordination } from '../../writer/delivery/preflight.js';
import { SELF_TEST_TABLE, selfTestOrFailure } from '../../writer/delivery/self-test.js';
import { readServerCaps } from '../../writer/delivery/server-caps.js';
import { bodyEncoding } from '../../writer/setup.js';
import type { Finding } from './findings.js';

export async function checkDelivery(client: ClickHouseClient, config: Config): Promise<Finding[]> {
  const database = config['clickhouse.database'];
  const caps = await readServerCaps(client, database, config['schema.cluster']);
  const findings: Finding[] = [];
  try {
    const coordination = resolveCoordination(config, caps);
    findings.push({ severity: 'info', subject: 'delivery', what: `plans and done flags in ${coordination}` });
  } catch (err) {
    if (!(err instanceof TributaryError)) throw err;
    findings.push({
      severity: 'error',
      subject: 'delivery',
      what: err.message,
      fix: 'see docs/operations.md, "Delivery"',
    });
    return findings;
  }
  if (!caps.engines.has(SELF_TEST_TABLE)) {
    findings.push({
      severity: 'error',
      subject: `table ${database}.${SELF_TEST_TABLE}`,
      what: 'missing: the delivery self-test writers run at start needs it',
      fix: `tributary migrate --clickhouse-database ${database}`,
    });
    return findings;
  }
  const encoding = bodyEncoding(config);
  const proof = await selfTestOrFailure(client, database, { encoding, settings: caps.insertSettings });
  findings.push(
    proof.ok
      ? {
          severity: 'info',
          subject: 'delivery',
          what: `self-test passed on ClickHouse ${caps.version} (one block per body, tokens deduplicated, fence executed; body encoding ${encoding})`,
        }
      : {
          severity: 'error',
          subject: 'delivery',
          what: `self-test failed on ClickHouse ${caps.version}: ${proof.failures.join('; ')}`,
          fix: 'upgrade ClickHouse (docs/operations.md lists what was checked), or run writers with --writer-allow-at-least-once (degraded)',
        },
  );
  return findings;
}

/** checkDelivery, with a server that cannot be asked turned into one finding. */
export function checkDeliveryOrFinding(client: ClickHouseClient, config: Config): Promise<Finding[]> {
  return checkDelivery(client, config).catch((err: unknown): Finding[] => [
    { severity: 'error', subject: 'delivery', what: `cannot be checked: ${errorMessage(err)}` },
  ]);
}
