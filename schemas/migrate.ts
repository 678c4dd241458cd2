/** `tributary migrate`: the database and the ClickStack tables, idempotently. */
import { type ClickHouseClient, clickhouseFromConfig } from '../core/clickhouse.js';
import type { Config } from '../core/config/options.js';
import { TributaryError, errorMessage } from '../core/errors.js';
import { type Logger, createLogger } from '../core/log.js';
import { DEDUP_TABLES, type DdlOptions, loadDdl, validateDdlOptions } from './ddl.js';

export interface MigrateOptions extends DdlOptions {
  readonly log?: Logger;
}

export interface MigrateResult {
  readonly files: readonly string[];
  readonly statements: number;
}

export async function migrate(client: ClickHouseClient, options: MigrateOptions): Promise<MigrateResult> {
  validateDdlOptions(options);
  const log = options.log ?? createLogger({ component: 'migrate' });
  const onCluster = options.cluster ? ` ON CLUSTER \`${options.cluster}\`` : '';
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS \`${options.database}\`${onCluster}` });
  const files = loadDdl(options);
  let statements = 0;
  for (const file of files) {
    for (const statement of file.statements) {
      try {
        await client.command({ query: statement });
      } catch (err) {
        throw new TributaryError('INTERNAL', `migration ${file.name} failed: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      statements++;
    }
    log.info('applied', { file: file.name, database: options.database });
  }
  // Existing tables (created by an older migrate or by the ClickStack collector) get the dedup window
  // the delivery guarantee needs; CREATE ... IF NOT EXISTS alone would leave theirs.
  const setting = options.cluster ? 'replicated_deduplication_window' : 'non_replicated_deduplication_window';
  for (const table of DEDUP_TABLES) {
    await client.command({
      query: `ALTER TABLE \`${options.database}\`.\`${table}\`${onCluster} MODIFY SETTING ${setting} = ${options.dedupWindow}`,
    });
    statements++;
  }
  return { files: files.map((f) => f.name), statements };
}

export async function runMigrateCommand(config: Config): Promise<void> {
  const client = clickhouseFromConfig(config, { database: 'default' });
  try {
    const ping = await client.ping();
    if (!ping.success)
      throw new TributaryError(
        'CLICKHOUSE_UNAVAILABLE',
        `cannot reach ClickHouse at ${config['clickhouse.url']}: ${errorMessage(ping.error)}`,
      );
    const result = await migrate(client, {
      database: config['clickhouse.database'],
      ttlDays: config['schema.ttlDays'],
      cluster: config['schema.cluster'],
      dedupWindow: config['clickhouse.dedupWindow'],
    });
    process.stdout.write(
      `migrated database ${config['clickhouse.database']}: ${result.files.length} files, ${result.statements} statements\n`,
    );
  } finally {
    await client.close();
  }
}
