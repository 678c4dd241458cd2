/**
 * Re-driving dead letters through the writer's delivery core, never duplicating: each letter is its
 * own one-record range [offset, offset+1) of the DLQ partition's stream (group
 * `tributary-dlq-redrive`), so it is planned, inserted under fenced tokens and recorded done like
 * any batch. A letter already re-driven is skipped (its range is done); two operators re-driving the
 * same letter at once build the same plan and tokens, so it lands once. A letter that ClickHouse
 * refused for one table is re-driven into that table only (its rows in the other tables landed).
 */
import type { IncomingRecord, KafkaAdmin } from '../../kafka/port.js';
import type { Signal } from '../../schemas/otlp/shapes.js';
import { DLQ_HEADERS } from '../../schemas/topics.js';
import { PartitionBatch, type RowRules, type TableDay } from '../../writer/batch.js';
import { streamKey } from '../../writer/delivery/identity.js';
import type { DeadLetter, DeadLetterQueue } from '../../writer/dlq.js';
import { type DeliveryDeps, writeBatch } from '../../writer/delivery/protocol.js';
import { viewOf } from './read.js';

export const REDRIVE_GROUP = 'tributary-dlq-redrive';

/** A batch that writes only the named tables' parts (all when `only` is undefined). */
class TablesBatch extends PartitionBatch {
  constructor(
    topic: string,
    partition: number,
    signal: Signal,
    start: number,
    rules: RowRules,
    private readonly only: ReadonlySet<string> | undefined,
  ) {
    super(topic, partition, signal, start, rules);
  }
  override parts(): TableDay[] {
    return super.parts().filter((p) => !this.only || this.only.has(p.table));
  }
}

export type RedriveOutcome =
  | 'written'
  | 'already re-driven'
  | 'dead-lettered again'
  | 'replanned'
  /** Only the first bytes are in the DLQ (DLQ_HEADERS.trimmed): replay its source offset instead. */
  | 'trimmed: not re-driven';

export interface RedriveResult {
  readonly partition: number;
  readonly offset: number;
  readonly outcome: RedriveOutcome;
  readonly rows: number;
}

/** The tables a letter is re-driven into: the refusing one for CLICKHOUSE_* codes, else all. */
function tablesOf(code: string, reason: string): Set<string> | undefined {
  if (!code.startsWith('CLICKHOUSE_')) return undefined;
  const table = /^(\w+): /.exec(reason)?.[1];
  return table ? new Set([table]) : undefined;
}

export async function redrive(
  letters: readonly IncomingRecord[],
  signal: Signal,
  admin: KafkaAdmin,
  deps: DeliveryDeps,
  rules: RowRules,
): Promise<RedriveResult[]> {
  const results: RedriveResult[] = [];
  if (letters.length === 0) return results;
  const clusterId = await admin.clusterId();
  const ids = new Map(
    (await admin.describeTopics([...new Set(letters.map((l) => l.topic))])).map((t) => [t.name, t.id]),
  );
  for (const letter of letters) {
    const view = viewOf(letter);
    const stream = streamKey({
      clusterId,
      topicId: ids.get(letter.topic)!,
      topic: letter.topic,
      partition: letter.partition,
      group: REDRIVE_GROUP,
    });
    const found = await deps.state.at(stream, letter.offset);
    if (found.doneEnd !== undefined && found.doneEnd > letter.offset) {
      results.push({
        partition: letter.partition,
        offset: letter.offset,
        outcome: 'already re-driven',
        rows: 0,
      });
      continue;
    }
    if (view.trimmedFrom !== undefined) {
      results.push({
        partition: letter.partition,
        offset: letter.offset,
        outcome: 'trimmed: not re-driven',
        rows: 0,
      });
      continue;
    }
    // The original record again: its source topic (a new failure goes to the same DLQ), its own headers.
    const headers = new Map(
      [...letter.headers].filter(([name]) => !Object.values(DLQ_HEADERS).includes(name as never)),
    );
    const original: IncomingRecord = {
      ...letter,
      topic: view.source.topic,
      partition: view.source.partition,
      headers,
    };
    const batch = new TablesBatch(
      letter.topic,
      letter.partition,
      signal,
      letter.offset,
      rules,
      tablesOf(view.code, view.reason),
    );
    await batch.add(original, (table, provided) => deps.schemas.get(table, provided));
    batch.end = letter.offset + 1;
    let deadAgain = 0;
    const counting = {
      send: (sent: readonly DeadLetter[]) => {
        deadAgain += sent.length;
        return deps.dlq.send(sent);
      },
    } as unknown as DeadLetterQueue;
    const outcome = await writeBatch(batch, stream, found.plan, { ...deps, dlq: counting });
    results.push({
      partition: letter.partition,
      offset: letter.offset,
      outcome: outcome.kind === 'replan' ? 'replanned' : deadAgain > 0 ? 'dead-lettered again' : 'written',
      rows: batch.parts().reduce((n, p) => n + p.rows, 0),
    });
  }
  return results;
}
