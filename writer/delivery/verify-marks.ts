/**
 * Defence in depth for step 5 of the protocol: after a batch's inserts, each body's token must carry
 * marks that say its table took exactly the body's rows in one block. A body split into several
 * blocks (a server that ignores the block settings), or a mark missing after a successful insert,
 * would otherwise pass silently into a done range.
 */
import type { ClickHouseClient } from '../../core/clickhouse.js';
import { quote } from './fenced-insert.js';

export interface ExpectedMarks {
  readonly table: string;
  readonly token: string;
  readonly rows: number;
}

/** What is wrong with the marks of these tokens, one sentence each; empty when all are right. */
export async function verifyMarks(
  client: ClickHouseClient,
  database: string,
  expected: readonly ExpectedMarks[],
): Promise<string[]> {
  if (expected.length === 0) return [];
  const result = await client.query({
    query: `SELECT Token AS token, groupArray(toString(Rows)) AS rows FROM ${quote(database)}.tributary_inserts
            WHERE Token IN {tokens:Array(String)} GROUP BY Token`,
    query_params: { tokens: expected.map((e) => e.token) },
    format: 'JSONEachRow',
  });
  const marks = new Map(
    (await result.json<{ token: string; rows: string[] }>()).map((r) => [r.token, r.rows]),
  );
  const problems: string[] = [];
  for (const e of expected) {
    const rows = (marks.get(e.token) ?? []).map(Number);
    // A retried insert may leave its mark twice (the marks table need not deduplicate): equal counts are fine.
    if (rows.length === 0)
      problems.push(
        `${e.table}: no insert mark for token ${e.token} after its insert (${e.rows} rows expected)`,
      );
    else if (rows.some((n) => n !== e.rows))
      problems.push(
        `${e.table}: token ${e.token} landed as blocks of [${rows.join(', ')}] rows, not one block of ${e.rows}`,
      );
  }
  return problems;
}
