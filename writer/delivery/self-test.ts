/**
 * The start-up self-test: on the server the writer actually talks to, with the statement, settings
 * and body encoding of its real inserts, into a scratch table of the target database
 * (`tributary_selftest`, made by `tributary migrate`, with its own insert-mark view), prove what the
 * protocol relies on (protocol.ts):
 *
 *  1. one body above a block (70,000 rows > max_block_size 65,409) lands as ONE block, and the
 *     server writes its mark in the same INSERT (marks = [70000]);
 *  2. the same body under the same token, past the fence (as a retry after a failed attempt runs),
 *     is deduplicated: a server that ignores tokens on INSERT … SELECT would hold 140,000 rows
 *     (ClickHouse 26.1/26.2 unless deduplicate_insert_select is set, which server-caps.ts does);
 *  3. the fence is executed: a token that already has a mark inserts nothing.
 *
 * Each run uses its own run id, so writers starting together do not see each other's rows; the
 * table keeps a day of runs for whoever wants to look (TTL).
 */
import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { errorMessage } from '../../core/errors.js';
import { clickhouseCode } from '../errors.js';
import type { TableShape } from '../schema.js';
import { ByteWriter, encoderFor } from '../rowbinary.js';
import { type InsertTransport, fencedInsert, markedRows, quote } from './fenced-insert.js';

export const SELF_TEST_TABLE = 'tributary_selftest';
const ROWS = 70_000;

/**
 * Settings added to the self-test's inserts by a test, to stand for a server that behaves otherwise
 * (`TRIBUTARY_TEST_SELF_TEST_SETTINGS=name=value,…`): a fault no engine we can run produces on demand
 * (a 26.1 server ignoring tokens). Read once; production never sets it.
 */
const TEST_SETTINGS: Readonly<Record<string, string>> = Object.fromEntries(
  (process.env['TRIBUTARY_TEST_SELF_TEST_SETTINGS'] ?? '')
    .split(',')
    .filter((pair) => pair.includes('='))
    .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()]),
);

export interface SelfTestResult {
  readonly ok: boolean;
  /** One sentence per property that failed, with what was seen. */
  readonly failures: readonly string[];
}

const SHAPE: TableShape = {
  table: SELF_TEST_TABLE,
  columns: [
    { name: 'Run', type: 'String', encode: encoderFor('String') },
    { name: 'N', type: 'UInt32', encode: encoderFor('UInt32') },
  ],
};

function body(run: string, from: number, count: number): Buffer {
  const out = new ByteWriter(count * (run.length + 6));
  for (let n = from; n < from + count; n++) {
    SHAPE.columns[0]!.encode(out, run);
    SHAPE.columns[1]!.encode(out, n);
  }
  return out.bytes();
}

async function rowsOf(client: ClickHouseClient, database: string, run: string): Promise<number> {
  const result = await client.query({
    query: `SELECT toString(count()) AS n FROM ${quote(database)}.${SELF_TEST_TABLE} WHERE Run = {run:String}`,
    query_params: { run },
    format: 'JSONEachRow',
  });
  const [row] = await result.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

export async function runSelfTest(
  client: ClickHouseClient,
  database: string,
  transport: InsertTransport,
): Promise<SelfTestResult> {
  const run = `selftest-${randomBytes(6).toString('hex')}`;
  const used: InsertTransport = { ...transport, settings: { ...transport.settings, ...TEST_SETTINGS } };
  const fence = { stream: run, start: 0, end: 1 };
  const insert = (data: Buffer, rows: number, token: string, marks: boolean): Promise<number> =>
    fencedInsert(client, database, SHAPE, data, rows, { ...fence, token, marks }, used);
  const failures: string[] = [];
  const whole = body(run, 0, ROWS);

  // 1. One body, one block, marked in the same insert.
  await insert(whole, ROWS, `${run}:a`, true);
  const marks = await markedRows(client, database, `${run}:a`);
  const landed = await rowsOf(client, database, run);
  if (landed !== ROWS) failures.push(`a body of ${ROWS} rows left ${landed} rows`);
  if (marks.length !== 1 || marks[0] !== ROWS)
    failures.push(
      `a body of ${ROWS} rows was not one block marked in its own insert: marks [${marks.join(', ')}] (expected [${ROWS}])`,
    );

  // 2. The same token again, past the fence: deduplicated.
  await insert(whole, ROWS, `${run}:a`, false);
  const afterRetry = await rowsOf(client, database, run);
  if (afterRetry !== landed)
    failures.push(
      `the same body under the same token was inserted again (${landed} → ${afterRetry} rows): the server ignores insert_deduplication_token on INSERT … SELECT`,
    );

  // 3. The fence: a token with a mark inserts nothing.
  await client.insert({
    table: `${quote(database)}.tributary_inserts`,
    values: [{ Token: `${run}:b`, Rows: 1 }],
    format: 'JSONEachRow',
    columns: ['Token', 'Rows'],
  });
  await insert(body(run, ROWS, 1), 1, `${run}:b`, true);
  const afterFence = await rowsOf(client, database, run);
  if (afterFence !== afterRetry)
    failures.push(
      `an insert whose token already had a mark landed (${afterRetry} → ${afterFence} rows): the fence is not executed`,
    );
  return { ok: failures.length === 0, failures };
}

/**
 * The self-test, with a refusal by the server (an error with a ClickHouse code: an unknown setting,
 * a missing grant) turned into a failure that names it; a server that cannot be reached is thrown,
 * for the caller's retry.
 */
export async function selfTestOrFailure(
  client: ClickHouseClient,
  database: string,
  transport: InsertTransport,
): Promise<SelfTestResult> {
  try {
    return await runSelfTest(client, database, transport);
  } catch (err) {
    if (clickhouseCode(err) === undefined) throw err;
    return { ok: false, failures: [`the self-test's inserts were refused: ${errorMessage(err)}`] };
  }
}
