/**
 * The encoded size of records in a Kafka record batch (message format v2), so produce calls are
 * sized by what the broker will count against message.max.bytes, not by record values alone.
 */

function varintBytes(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let n = 1;
  while (zigzag >= 0x80) {
    zigzag = Math.floor(zigzag / 128);
    n++;
  }
  return n;
}

/**
 * Bytes a record adds beyond its value: its length, attributes, timestamp and offset deltas (up to
 * 5 + 1 + 10 + 5, counted at their maximum), key and header framing.
 */
export function recordOverheadBytes(
  key: Uint8Array | null,
  headers: Readonly<Record<string, string>>,
): number {
  let size = 21 + (key ? varintBytes(key.length) + key.length : 1) + 5; // value length + header count
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.byteLength(name);
    const valueBytes = Buffer.byteLength(value);
    size += varintBytes(nameBytes) + nameBytes + varintBytes(valueBytes) + valueBytes;
  }
  return size;
}

/** The record batch header (61 bytes) plus the produce request's per-partition framing. */
export function batchOverheadBytes(): number {
  return 61 + 64;
}
