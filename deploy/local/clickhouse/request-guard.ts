/**
 * Who may talk to the local ClickHouse server at all, decided from the request's headers before
 * anything else: a web page the developer visits must not drive it.
 *
 * - `Host` must name the server itself (its listen address, a loopback name when it listens on
 *   loopback or on every interface, or an explicitly allowed name), so a DNS-rebinding page whose
 *   own name resolves to 127.0.0.1 is refused.
 * - A request with an `Origin` is served when it comes from the server's own origin (a page this
 *   server served, such as the ClickStack UI at /clickstack: browsers send `Origin` on same-origin
 *   POSTs too), or when that origin is explicitly allowed (clickhouse.allowedOrigins).
 *   `Origin: null` (sandboxed frames, file:// pages) never is. The own origin is `http://` plus the
 *   Host header, checked above, so a rebinding page's origin never qualifies.
 * - Browsers mark every request with `Sec-Fetch-Site`; one that comes from another site without an
 *   allowed Origin (an <img> or a form a page made) is refused. curl and client libraries send
 *   neither header and are unaffected.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { networkInterfaces, hostname } from 'node:os';

export interface GuardOptions {
  /** The address the server listens on (clickhouse.host). */
  readonly listenHost: string;
  readonly allowedOrigins: readonly string[];
  /** Extra names clients may use in Host (e.g. a DNS name of this machine). */
  readonly allowedHosts: readonly string[];
}

export type GuardVerdict =
  { readonly ok: true; readonly corsOrigin?: string } | { readonly ok: false; readonly message: string };

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function isWildcard(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === '0.0.0.0' || h === '::' || h === '';
}

/** The host part of a Host header: "[::1]:8123" → "::1", "localhost:8123" → "localhost". */
function hostPart(header: string): string {
  const trimmed = header.trim().toLowerCase();
  if (trimmed.startsWith('['))
    return trimmed.slice(1, trimmed.indexOf(']') < 0 ? undefined : trimmed.indexOf(']'));
  const colon = trimmed.lastIndexOf(':');
  return colon < 0 ? trimmed : trimmed.slice(0, colon);
}

/**
 * Whether `origin` is this server's own: the local server speaks plain HTTP, and the browser's
 * Origin of a page it loaded from here is exactly the scheme plus the Host it sent (both omit a
 * default port the same way).
 */
function isOwnOrigin(origin: string, host: string): boolean {
  return origin.toLowerCase() === `http://${host.trim().toLowerCase()}`;
}

export function createRequestGuard(options: GuardOptions): (headers: IncomingHttpHeaders) => GuardVerdict {
  const names = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const listen = options.listenHost.replace(/^\[|\]$/g, '').toLowerCase();
  names.add(listen);
  if (isLoopbackHost(listen) || isWildcard(listen))
    for (const n of ['localhost', '127.0.0.1', '::1']) names.add(n);
  if (isWildcard(listen)) {
    // Listening everywhere: any of this machine's own addresses and its name are its own.
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces()))
      for (const address of list ?? []) names.add(address.address.toLowerCase());
  }
  const origins = new Set(options.allowedOrigins);

  return (headers) => {
    const host = headers.host;
    if (!host) return { ok: false, message: 'a Host header is required' };
    const name = hostPart(host);
    if (!names.has(name) && !(isLoopbackHost(name) && names.has('127.0.0.1')))
      return {
        ok: false,
        message: `Host ${JSON.stringify(host)} does not name this server (allowed: ${[...names].join(', ')}; add names with clickhouse.allowedHosts)`,
      };
    const origin = headers.origin;
    if (origin !== undefined) {
      if (isOwnOrigin(origin, host)) return { ok: true };
      if (origin === 'null' || !origins.has(origin))
        return {
          ok: false,
          message: `Origin ${JSON.stringify(origin)} is not allowed (clickhouse.allowedOrigins lists the web applications that may query this server)`,
        };
      return { ok: true, corsOrigin: origin };
    }
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'none' && site !== 'same-origin')
      return {
        ok: false,
        message: `a cross-site browser request (Sec-Fetch-Site: ${site}) is not allowed`,
      };
    return { ok: true };
  };
}
