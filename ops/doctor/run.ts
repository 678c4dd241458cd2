/** `tributary doctor`: checks Kafka topics and ClickHouse tables against what the guarantees need. */
import { clickhouseFromConfig } from '../../core/clickhouse.js';
import type { Config } from '../../core/config/options.js';
import { errorMessage } from '../../core/errors.js';
import { createLogger } from '../../core/log.js';
import { createKafka } from '../../kafka/create.js';
import { kafkaSecurity } from '../../kafka/security.js';
import { type Finding, formatFindings } from './findings.js';
import { checkDeliveryOrFinding } from './delivery.js';
import { checkClickHouse } from './tables.js';
import { checkTopics } from './topics.js';

export async function diagnose(config: Config): Promise<Finding[]> {
  const log = createLogger({ component: 'doctor' });
  const kafka = createKafka({
    brokers: config['kafka.brokers'],
    clientId: `${config['kafka.clientId']}-doctor`,
    log,
    security: kafkaSecurity(config),
  });
  const admin = kafka.admin();
  const client = clickhouseFromConfig(config);
  try {
    const [topics, tables] = await Promise.all([
      checkTopics(admin, config).catch((err: unknown): Finding[] => [
        {
          severity: 'error',
          subject: 'kafka',
          what: `unreachable: ${errorMessage(err)}`,
          fix: 'check kafka.brokers and the security settings',
        },
      ]),
      checkClickHouse(client, config).catch((err: unknown): Finding[] => [
        {
          severity: 'error',
          subject: 'clickhouse',
          what: `unreachable: ${errorMessage(err)}`,
          fix: 'check clickhouse.url and the credentials',
        },
      ]),
    ]);
    // The delivery checks write to the scratch table: only once the tables are known to be there.
    const delivery = tables.some((f) => f.severity === 'error')
      ? []
      : await checkDeliveryOrFinding(client, config);
    return [...topics, ...tables, ...delivery];
  } finally {
    await Promise.allSettled([admin.close(), client.close()]);
  }
}

/** Prints the findings (or JSON with --json) and sets a non-zero exit code when any is an error. */
export async function runDoctorCommand(config: Config): Promise<void> {
  const findings = await diagnose(config);
  process.stdout.write(
    (config.json ? JSON.stringify({ findings }, null, 2) : formatFindings(findings)) + '\n',
  );
  if (findings.some((f) => f.severity === 'error')) process.exitCode = 1;
}
