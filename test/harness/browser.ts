/**
 * A real headless Chromium for UI tests (Debian's `chromium`, driven by playwright-core), started
 * the way a closed network needs it, and a recorder of the ClickHouse queries a page makes.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

export const CHROMIUM = process.env['TRIBUTARY_CHROMIUM'] ?? '/usr/bin/chromium';

/** A browser in a fresh profile; `close` removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)`,
    );
  const profile = mkdtempSync(join(tmpdir(), 'tributary-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** One ClickHouse request of the page: its SQL with the query parameters put in, and the answer. */
export interface UiQuery {
  readonly sql: string;
  readonly status: number;
  readonly body: string;
}

const quote = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The statement as the server ran it: `{name:Type}` replaced by the URL's `param_name`. */
function withParameters(sql: string, url: URL): string {
  return sql.replace(/\{([A-Za-z0-9_]+):([^}]+)\}/g, (whole, name: string, type: string) => {
    const value = url.searchParams.get(`param_${name}`);
    if (value === null) return whole;
    return /^Identifier$/.test(type)
      ? `\`${value}\``
      : /^(U?Int|Float|Decimal)/.test(type)
        ? value
        : quote(value);
  });
}

/**
 * The one query of HyperDX 2.28.0 that fails on any ClickHouse: the chart explorer describes a
 * metric source's table with an empty database parameter (`DESCRIBE \`\`.\`…\``), which the engine
 * refuses with code 457 (BAD_QUERY_PARAMETER). It is the UI's, not the server's.
 */
export function isKnownUiFailure(query: UiQuery): boolean {
  return /^DESCRIBE ``\./.test(query.sql.trim()) && /Code: 457\b/.test(query.body);
}

/**
 * Records every ClickHouse query the page sends to `clickhouseOrigin` (POST /), and every such
 * request the browser itself refused (CORS) or could not send; queries the page cancelled are not
 * failures.
 */
export function recordQueries(
  page: Page,
  clickhouseOrigin: string,
): { queries: UiQuery[]; refused: string[] } {
  const queries: UiQuery[] = [];
  const refused: string[] = [];
  const isQuery = (method: string, raw: string): boolean => {
    const url = new URL(raw);
    return method === 'POST' && url.origin === clickhouseOrigin && url.pathname === '/';
  };
  page.on('requestfinished', (request) => {
    if (!isQuery(request.method(), request.url())) return;
    void (async () => {
      const response = await request.response();
      queries.push({
        sql: withParameters(request.postData() ?? '', new URL(request.url())),
        status: response?.status() ?? 0,
        body: (await response?.text().catch(() => '')) ?? '',
      });
    })();
  });
  page.on('requestfailed', (request) => {
    // ERR_ABORTED: the page itself cancelled a query it no longer needed (it navigated away).
    // A CORS refusal is ERR_FAILED.
    if (isQuery(request.method(), request.url()) && request.failure()?.errorText !== 'net::ERR_ABORTED')
      refused.push(`${request.failure()?.errorText ?? 'failed'}: ${request.postData()?.slice(0, 200) ?? ''}`);
  });
  return { queries, refused };
}
