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

/** Encoded bytes of a record's headers (names and values with their length varints). */
export function headerBytes(headers: Readonly<Record<string, string>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.byteLength(name);
    const valueBytes = Buffer.byteLength(value);
    size += varintBytes(nameBytes) + nameBytes + varintBytes(valueBytes) + valueBytes;
  }
  return size;
}

/**
 * Bytes a record adds beyond its value: its length, attributes, timestamp and offset deltas (up to
 * 5 + 1 + 10 + 5, counted at their maximum), value length and header count, the key, and the
 * headers (`headersSize` = headerBytes(...), computed once for the records of a request).
 */
export function recordOverheadBytes(key: Uint8Array | null, headersSize: number): number {
  return 21 + (key ? varintBytes(key.length) + key.length : 1) + 5 + headersSize;
}

/** The record batch header (61 bytes) plus the produce request's per-partition framing. */
export function batchOverheadBytes(): number {
  return 61 + 64;
}
