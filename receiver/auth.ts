/**
 * API-key authentication. ClickStack clients send the bare key (`authorization: <key>`), others
 * `authorization: Bearer <key>`; both are accepted, over HTTP headers and gRPC metadata alike.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { TributaryError } from '../core/errors.js';

export interface Authenticator {
  readonly enabled: boolean;
  /** Returns the key's non-secret id, or throws UNAUTHENTICATED. */
  check(authorization: string | undefined): string | undefined;
}

/** A short fingerprint that identifies a key in headers and logs without revealing it. */
export function keyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

export function createAuthenticator(keys: readonly string[]): Authenticator {
  const digests = keys.map((k) => ({ digest: createHash('sha256').update(k).digest(), id: keyId(k) }));
  return {
    enabled: keys.length > 0,
    check(authorization) {
      if (keys.length === 0) return undefined;
      if (!authorization)
        throw new TributaryError('UNAUTHENTICATED', 'missing authorization: send `authorization: <api key>`');
      const presented = authorization.replace(/^Bearer\s+/i, '').trim();
      // Compare digests: equal length, constant time, whatever the presented key's length.
      const digest = createHash('sha256').update(presented).digest();
      for (const key of digests) if (timingSafeEqual(digest, key.digest)) return key.id;
      throw new TributaryError('UNAUTHENTICATED', 'invalid API key');
    },
  };
}
