/**
 * The ClickStack UI at /clickstack, served as ClickHouse 26.x serves it: the static export of
 * HyperDX in local mode (the browser queries this server directly, as `default`), read from the
 * engine library that the installed chdb package carries (embedded-files.ts). Its page loads
 * `/__ENV.js` (the UI's runtime settings) and `/favicons/…` from the server's root, so those are
 * served too. Files are stored gzipped; they go out as they are with `Content-Encoding: gzip` to
 * a client that accepts it (every browser) and are inflated on the way for one that does not.
 *
 * Only the index of the files stays in memory (162 entries for HyperDX 2.28.0); each request reads
 * its file's bytes from the library. The library stays open, so an `npm ci` that replaces it while
 * the server runs cannot shift the bytes under it.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { type EmbeddedFile, NoEmbeddedFiles, findEmbeddedFiles } from './embedded-files.js';

const inflate = promisify(gunzip);

export interface ClickStackUiInfo {
  /** The HyperDX app version the export was built from (its __ENV.js), e.g. "2.28.0". */
  readonly version: string;
  readonly files: number;
}

export interface ClickStackUi {
  /** Settles once the files are found: their version, or why there is no UI. */
  readonly ready: Promise<ClickStackUiInfo | NoEmbeddedFiles>;
  /** Whether a request path belongs to the UI (only GET and HEAD are served there). */
  owns(pathname: string): boolean;
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The engine library of the chdb package this process loaded: its native addon sits beside
 * libchdb (one platform package per OS and CPU). Undefined before chdb is loaded or without it.
 */
export function loadedEngineLibrary(): string | undefined {
  const cache = createRequire(import.meta.url).cache;
  for (const loaded of Object.keys(cache)) {
    if (!loaded.endsWith('chdb_node.node')) continue;
    for (const name of ['libchdb.so', 'libchdb.dylib']) {
      const candidate = join(dirname(loaded), name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * The file a UI request path names, as ClickHouse's handler maps it: the /clickstack prefix and a
 * trailing slash dropped, the rest URL-decoded; nothing → index.html; a name without a dot is a
 * page (`search` → search.html). Undefined for a malformed escape.
 */
export function resourcePath(pathname: string): string | undefined {
  let path = pathname.startsWith('/clickstack') ? pathname.slice('/clickstack'.length) : pathname;
  if (path.startsWith('/')) path = path.slice(1);
  if (path.endsWith('/')) path = path.slice(0, -1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded === '') return 'index.html';
  return decoded.includes('.') ? decoded : `${decoded}.html`;
}

/**
 * A page of a Next.js dynamic route: `trace/abc.html` is served by `trace/[traceId].html`, so a
 * deep link or a reload of such a page works.
 */
function dynamicRoute(files: ReadonlyMap<string, EmbeddedFile>, path: string): EmbeddedFile | undefined {
  if (!path.endsWith('.html')) return undefined;
  const prefix = path.slice(0, path.lastIndexOf('/') + 1);
  for (const [candidate, file] of files) {
    const tail = candidate.slice(prefix.length);
    if (
      candidate.startsWith(prefix) &&
      tail.startsWith('[') &&
      tail.endsWith('].html') &&
      !tail.includes('/')
    )
      return file;
  }
  return undefined;
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=UTF-8' });
  res.end(text);
}

export function openClickStackUi(libraryPath: string | undefined): ClickStackUi {
  let library: FileHandle | undefined;
  let files = new Map<string, EmbeddedFile>();
  const ready = (async (): Promise<ClickStackUiInfo | NoEmbeddedFiles> => {
    if (!libraryPath) return new NoEmbeddedFiles('the chdb engine library was not found');
    try {
      const found = await findEmbeddedFiles(libraryPath);
      files = new Map(found.map((file) => [file.path, file]));
      library = await open(libraryPath, 'r');
      const env = files.get('__ENV.js');
      const settings = env ? (await inflate(await read(env))).toString('utf8') : '';
      const version = /"NEXT_PUBLIC_APP_VERSION"\s*:\s*"([^"]+)"/.exec(settings)?.[1] ?? 'unknown';
      return { version, files: files.size };
    } catch (err) {
      files = new Map();
      return err instanceof NoEmbeddedFiles ? err : new NoEmbeddedFiles((err as Error).message);
    }
  })();

  async function read(file: EmbeddedFile): Promise<Buffer> {
    const bytes = Buffer.alloc(file.size);
    const { bytesRead } = await library!.read(bytes, 0, file.size, file.offset);
    if (bytesRead !== file.size) throw new Error(`short read of ${file.path} from the engine library`);
    return bytes;
  }

  return {
    ready,
    owns: (pathname) =>
      pathname === '/clickstack' ||
      pathname.startsWith('/clickstack/') ||
      pathname === '/__ENV.js' ||
      pathname.startsWith('/favicons/'),
    async serve(req, res, pathname) {
      const info = await ready;
      if (info instanceof NoEmbeddedFiles) {
        answer(res, 404, `The ClickStack UI is not available: ${info.message}.\n`);
        return;
      }
      const path = resourcePath(pathname);
      if (path === undefined) {
        answer(res, 400, 'Malformed URL.\n');
        return;
      }
      const file = files.get(path) ?? dynamicRoute(files, path);
      if (!file) {
        answer(res, 404, 'Not found.\n');
        return;
      }
      const gzipped = await read(file);
      const acceptsGzip = /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '');
      const body = acceptsGzip ? gzipped : await inflate(gzipped);
      res.writeHead(200, {
        'Content-Type': file.mime,
        'Content-Length': String(body.length),
        ...(acceptsGzip ? { 'Content-Encoding': 'gzip' } : {}),
        Vary: 'Accept-Encoding',
        'X-Content-Type-Options': 'nosniff',
        // Hashed names under _next/static never change; pages and __ENV.js may with the engine.
        'Cache-Control': path.startsWith('_next/static/')
          ? 'public, max-age=31536000, immutable'
          : 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
    async close() {
      await ready;
      await library?.close();
    },
  };
}

/**
 * The ready banner's line for the UI: where to open it and as whom, when the ClickHouse server
 * serves it (the local one, or a ClickHouse 26.x given by URL); its absence otherwise.
 */
export async function clickStackBannerLine(
  clickhouseUrl: string,
  user: string,
  hasPassword: boolean,
): Promise<string> {
  const url = `${clickhouseUrl.replace(/\/+$/, '')}/clickstack`;
  try {
    const answer = await fetch(`${url}/__ENV.js`, { signal: AbortSignal.timeout(15_000) });
    const version = /"NEXT_PUBLIC_APP_VERSION"\s*:\s*"([^"]+)"/.exec(await answer.text())?.[1];
    if (answer.ok && version)
      return `  ClickStack  open ${url} (user ${user}, ${hasPassword ? 'its password' : 'no password'}; HyperDX ${version} UI)`;
  } catch {
    // not served: said below
  }
  return `  ClickStack  no UI at ${url} (this ClickHouse does not serve it)`;
}
