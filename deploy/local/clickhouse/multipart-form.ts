/**
 * A multipart/form-data request body read the way ClickHouse's HTTP handler reads it (its HTMLForm
 * with the external-tables part handler): a part whose Content-Disposition has a `filename` is an
 * external-data table named by the part's `name`; every other part is a form field that joins the
 * URL parameters in one collection. So `query` fields are appended to the query, `param_<name>`
 * fields are query parameters and the rest are settings or protocol parameters, exactly as if they
 * had been in the URL. @clickhouse/client-web (`use_multipart_params`, and `_auto` for long
 * parameters, as the current ClickStack UI uses it) sends the query and its parameters this way;
 * the writer's fenced inserts send rows as a file part (external-data.ts).
 */
import { EngineError } from './engine.js';

export interface FormField {
  readonly name: string;
  readonly value: string;
}

export interface FilePart {
  readonly name: string;
  readonly data: Buffer;
}

export interface MultipartForm {
  /** Parts without a filename, in body order. */
  readonly fields: readonly FormField[];
  /** Parts with a filename: external-data tables. */
  readonly files: readonly FilePart[];
}

/** The boundary of a multipart/form-data request, or undefined for other bodies. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new EngineError('multipart/form-data without a boundary', 33, 'CANNOT_READ_ALL_DATA');
  return boundary.trim();
}

/** The parameters of a Content-Disposition value: `form-data; name="q"; filename="x.tsv"`. */
function dispositionParameters(headers: string): Map<string, string> {
  const line = /^content-disposition:[ \t]*(.*)$/im.exec(headers)?.[1] ?? '';
  const parameters = new Map<string, string>();
  for (const match of line.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '').trim();
    parameters.set(match[1]!.toLowerCase(), value);
  }
  return parameters;
}

/** Splits a whole multipart body into form fields and file parts. */
export function parseMultipartForm(body: Buffer, boundary: string): MultipartForm {
  const delimiter = Buffer.from(`--${boundary}`);
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`);
  const fields: FormField[] = [];
  const files: FilePart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new EngineError('multipart body without a boundary line', 33, 'CANNOT_READ_ALL_DATA');
  while (at >= 0) {
    const afterDelimiter = at + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', afterDelimiter);
    if (headerEnd < 0) throw new EngineError('malformed multipart body', 33, 'CANNOT_READ_ALL_DATA');
    const headers = body.subarray(afterDelimiter, headerEnd).toString('utf8');
    const next = body.indexOf(nextDelimiter, headerEnd + 4);
    if (next < 0) throw new EngineError('multipart body ends inside a part', 33, 'CANNOT_READ_ALL_DATA');
    const parameters = dispositionParameters(headers);
    const name = parameters.get('name');
    const data = body.subarray(headerEnd + 4, next);
    if (parameters.has('filename')) {
      if (!name) throw new EngineError('multipart file part without a name', 33, 'CANNOT_READ_ALL_DATA');
      files.push({ name, data });
    } else {
      if (!name) throw new EngineError('multipart form field without a name', 33, 'CANNOT_READ_ALL_DATA');
      fields.push({ name, value: data.toString('utf8') });
    }
    at = next + 2;
  }
  return { fields, files };
}

export interface RequestParameters {
  /** The URL parameters; form fields are appended, so protocol parameters (database,
   * default_format) given in the form apply as on a server. */
  readonly url: URLSearchParams;
  readonly settings: Record<string, string>;
  readonly params: Record<string, string>;
  /** Whether a parameter name is an engine setting (not a protocol or HTTP-only parameter). */
  readonly isSetting: (name: string) => boolean;
}

/**
 * Adds the form fields to the request's parameters and returns the whole query: the URL's `query`
 * followed by every `query` field. A `param_` already given in the URL keeps the URL's value, as on
 * a server (the first value of a name wins); settings in the form override the URL's.
 */
export function addFormFields(
  fields: readonly FormField[],
  urlQuery: string,
  into: RequestParameters,
): string {
  let query = urlQuery;
  for (const { name, value } of fields) {
    if (name === 'query') {
      query += value;
      continue;
    }
    into.url.append(name, value);
    if (name.startsWith('param_')) {
      const key = name.slice('param_'.length);
      if (!Object.hasOwn(into.params, key)) into.params[key] = value;
    } else if (into.isSetting(name)) into.settings[name] = value;
  }
  return query;
}
