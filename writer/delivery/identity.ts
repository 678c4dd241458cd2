/**
 * Names in the delivery state. A stream is one partition of one topic incarnation in one Kafka
 * cluster, as written by one writer group: a second cluster with the same topic names, or a topic
 * deleted and created again, is another stream, so their tokens and state never collide.
 */

export interface StreamIdentity {
  readonly clusterId: string;
  readonly topicId: string;
  readonly topic: string;
  readonly partition: number;
  /** The writer group (writer.groupId + signal); replay uses the live group's name. */
  readonly group: string;
}

export function streamKey(id: StreamIdentity): string {
  return `${id.clusterId}/${id.topicId}/${id.partition}/${id.group}`;
}

/** The dedup token of one batch's rows for one table partition (its day, transcode/partition-day.ts). */
export function insertToken(stream: string, start: number, end: number, table: string, day: number): string {
  return `${stream}:${start}-${end}:${table}:${day}`;
}

/** Token of one record's rows after ClickHouse refused the whole (table, day) body. */
export function isolatedToken(batchToken: string, offset: number): string {
  return `${batchToken}:r${offset}`;
}
