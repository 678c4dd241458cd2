/**
 * Which signal's writer writes a record, when topics may carry several signals. Each signal has its
 * own consumer group (`${writer.groupId}-${signal}`); when signals share a topic every one of those
 * groups reads every record of it, so each record must be claimed by exactly one group — written by
 * one, or dead-lettered by one — and skipped by the others.
 *
 * The claim comes from the `otelcol.signal` header (the Collector's kafkaexporter writes it with
 * `signal_header`, tributary's receiver always does), else from the topic:
 * - a header naming a signal that reads this topic: that signal's group writes it; others skip it;
 * - no header on a topic only one signal reads: that signal's (today's per-topic mapping);
 * - anything else — no header on a shared topic, a value that is not a signal read from this topic
 *   (`profiles`, a typo, a signal whose topics are elsewhere), several values — cannot be written:
 *   the topic's *owner* (the first of traces, metrics, logs that reads it) dead-letters it, the
 *   other groups skip it, so it reaches the DLQ once. The owner depends only on the topic
 *   configuration, not on writer.signals, so writers split by signal agree on it.
 */
import { TributaryError, errorMessage } from '../core/errors.js';
import type { Config } from '../core/config/options.js';
import type { Signal } from '../schemas/otlp/shapes.js';
import { SIGNALS, topicFor } from '../schemas/topics.js';

export type Route =
  | { readonly kind: 'write' }
  /** Another group's record (it writes or dead-letters it): no rows, no DLQ, the offset advances. */
  | { readonly kind: 'skip' }
  | { readonly kind: 'dead'; readonly code: 'SIGNAL_UNROUTABLE'; readonly reason: string };

const WRITE: Route = { kind: 'write' };
const SKIP: Route = { kind: 'skip' };

export interface RouteInput {
  /** The signal of the group deciding. */
  readonly signal: Signal;
  /** Signals whose configured topics include the record's topic, in SIGNALS order. */
  readonly topicSignals: readonly Signal[];
  /** Every value of the record's `otelcol.signal` header, in order (none: no header). */
  readonly header: readonly string[];
}

/** The routing decision for one record (pure: a rebuild of the same range decides the same). */
export function routeRecord({ signal, topicSignals, header }: RouteInput): Route {
  // A group always reads its own topics; an empty list (no routing information) means just this one.
  const readers = topicSignals.length > 0 ? topicSignals : [signal];
  const owner = readers[0]!;
  let reason: string;
  if (header.length === 1) {
    const named = header[0]!;
    if ((readers as readonly string[]).includes(named)) return named === signal ? WRITE : SKIP;
    reason = (SIGNALS as readonly string[]).includes(named)
      ? `its otelcol.signal header names ${named}, whose writer does not read this topic`
      : `its otelcol.signal header names an unknown signal (${JSON.stringify(named.slice(0, 64))})`;
  } else if (header.length === 0) {
    if (readers.length === 1) return owner === signal ? WRITE : SKIP;
    reason = `it has no otelcol.signal header and its topic carries ${readers.join(', ')}`;
  } else reason = `it has ${header.length} otelcol.signal headers`;
  return owner === signal ? { kind: 'dead', code: 'SIGNAL_UNROUTABLE', reason } : SKIP;
}

/**
 * The topics one signal's consumer reads: by default the prefixed topic name; or a configured list
 * where entries starting with ^ are regular expressions (several regions' topics in one writer).
 */
export function writerTopics(config: Config, signal: Signal): (string | RegExp)[] {
  const configured = config[`writer.${signal}Topics`];
  if (configured.length === 0) return [topicFor(config, signal)];
  return configured.map((topic) => {
    if (!topic.startsWith('^')) return topic;
    try {
      return new RegExp(topic);
    } catch (err) {
      throw new TributaryError(
        'CONFIG_INVALID',
        `config writer.${signal}Topics: ${topic} is not a valid regular expression (${errorMessage(err)})`,
      );
    }
  });
}

/**
 * The signals whose writers read a topic, by the configuration (not by writer.signals: every
 * writer of a fleet must name the same owner). Memoized per topic name.
 */
export function topicReaders(config: Config): (topic: string) => readonly Signal[] {
  const patterns = SIGNALS.map((signal) => ({ signal, topics: writerTopics(config, signal) }));
  const known = new Map<string, readonly Signal[]>();
  return (topic) => {
    let readers = known.get(topic);
    if (!readers) {
      readers = patterns
        .filter(({ topics }) => topics.some((t) => (typeof t === 'string' ? t === topic : t.test(topic))))
        .map(({ signal }) => signal);
      known.set(topic, readers);
    }
    return readers;
  };
}
