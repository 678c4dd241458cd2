/**
 * Adds a resource attribute (e.g. cloud.region) to every resource of a request that lacks it. This
 * re-encodes the request, so the receiver does it only when asked (receiver.regionAttribute).
 */
import { requestType } from './proto-loader.js';
import type { Signal } from './shapes.js';

const RESOURCE_LIST: Record<Signal, string> = {
  traces: 'resourceSpans',
  metrics: 'resourceMetrics',
  logs: 'resourceLogs',
};

interface KeyValue {
  key: string;
  value: { stringValue: string };
}

export function stampResourceAttribute(
  signal: Signal,
  bytes: Uint8Array,
  key: string,
  value: string,
): Uint8Array {
  const type = requestType(signal);
  const message = type.decode(bytes) as unknown as Record<
    string,
    { resource?: { attributes?: KeyValue[] } }[] | undefined
  >;
  for (const entry of message[RESOURCE_LIST[signal]] ?? []) {
    entry.resource ??= { attributes: [] };
    entry.resource.attributes ??= [];
    if (!entry.resource.attributes.some((a) => a.key === key))
      entry.resource.attributes.push({ key, value: { stringValue: value } });
  }
  return type.encode(message).finish();
}
