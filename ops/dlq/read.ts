/**
 * Reading dead letters: every record of a signal's `<topic>.dlq` (or chosen partition:offset ones)
 * with what the writer wrote beside it — the error code and message, where it came from — and a
 * decoded preview of its OTLP payload.
 */
import { errorMessage } from '../../core/errors.js';
import type { IncomingRecord, KafkaAdmin, PartitionReader } from '../../kafka/port.js';
import { decodeRequest } from '../../schemas/otlp/codec.js';
import type { Signal } from '../../schemas/otlp/shapes.js';
import { DLQ_HEADERS } from '../../schemas/topics.js';

export interface DeadLetterView {
  readonly dlqTopic: string;
  readonly partition: number;
  readonly offset: number;
  readonly code: string;
  readonly reason: string;
  readonly source: { readonly topic: string; readonly partition: number; readonly offset: number };
  readonly bytes: number;
  /** The original value's size when the letter was trimmed to fit the DLQ topic (DLQ_HEADERS.trimmed). */
  readonly trimmedFrom?: number;
  readonly at: string;
}

/** `3` (every partition) or `0:3` (partition 0). */
export interface LetterRef {
  readonly partition?: number;
  readonly offset: number;
}

export function parseRefs(entries: readonly string[]): LetterRef[] {
  return entries.map((entry) => {
    const match = /^(?:(\d+):)?(\d+)$/.exec(entry.trim());
    if (!match) throw new Error(`"${entry}" is not an offset or partition:offset`);
    return match[1] === undefined
      ? { offset: Number(match[2]) }
      : { partition: Number(match[1]), offset: Number(match[2]) };
  });
}

const header = (record: IncomingRecord, name: string): string =>
  record.headers.get(name)?.toString('utf8') ?? '';

export function viewOf(record: IncomingRecord): DeadLetterView {
  return {
    dlqTopic: record.topic,
    partition: record.partition,
    offset: record.offset,
    code: header(record, DLQ_HEADERS.code),
    reason: header(record, DLQ_HEADERS.message),
    source: {
      topic: header(record, DLQ_HEADERS.topic),
      partition: Number(header(record, DLQ_HEADERS.partition)),
      offset: Number(header(record, DLQ_HEADERS.offset)),
    },
    bytes: record.value?.length ?? 0,
    ...(record.headers.has(DLQ_HEADERS.trimmed)
      ? { trimmedFrom: Number(header(record, DLQ_HEADERS.trimmed)) }
      : {}),
    at: new Date(record.timestamp).toISOString(),
  };
}

/** The payload decoded as OTLP JSON, cut to `maxChars`; or why it cannot be decoded. */
export function preview(signal: Signal, record: IncomingRecord, maxChars = 2_000): string {
  try {
    const text = JSON.stringify(decodeRequest(signal, record.value ?? Buffer.alloc(0)));
    return text.length > maxChars ? `${text.slice(0, maxChars)}… (${text.length} chars)` : text;
  } catch (err) {
    return `(not decodable as OTLP ${signal}: ${errorMessage(err)}; first bytes ${(record.value ?? Buffer.alloc(0)).subarray(0, 32).toString('hex')})`;
  }
}

/** Reads the DLQ topic from its start to its current end; keeps records `refs` selects (all without refs). */
export async function readLetters(
  admin: KafkaAdmin,
  reader: PartitionReader,
  topic: string,
  refs: readonly LetterRef[],
  limit: number,
): Promise<IncomingRecord[]> {
  const offsets = await admin.offsets(topic);
  const wanted = (r: IncomingRecord): boolean =>
    refs.length === 0 ||
    refs.some(
      (ref) => ref.offset === r.offset && (ref.partition === undefined || ref.partition === r.partition),
    );
  const positions = new Map(offsets.filter((o) => o.high > o.low).map((o) => [o.partition, o.low]));
  const ends = new Map(offsets.map((o) => [o.partition, o.high]));
  const out: IncomingRecord[] = [];
  while (positions.size > 0 && out.length < limit) {
    const fetched = await reader.fetch(
      [...positions].map(([partition, position]) => ({ topic, partition, position })),
      {
        maxWaitMs: 200,
        maxBytesPerPartition: 8 * 1024 * 1024,
        maxBytes: 32 * 1024 * 1024,
        isolation: 'read_committed',
      },
    );
    for (const part of fetched) {
      if (part.error) throw new Error(`reading ${topic}:${part.partition}: ${part.error.message}`);
      for (const record of part.records) if (wanted(record) && out.length < limit) out.push(record);
      if (part.nextPosition >= ends.get(part.partition)!) positions.delete(part.partition);
      else positions.set(part.partition, part.nextPosition);
    }
  }
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
