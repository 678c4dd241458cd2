/**
 * What SQL the local ClickHouse server runs for its clients. The engine is a whole ClickHouse
 * with the rights of the developer's account: without a policy any web page or process that can
 * reach the port can read and write files, connect to other hosts and start programs. The engine
 * user's grants (sandbox.ts) stop table functions and engines, but not the scalar file(), INTO
 * OUTFILE or FROM INFILE, and chdb runs every query as that one user (no per-query impersonation),
 * so the server classifies each statement itself, on the client's SQL before the server adds its
 * own `FROM INFILE` for binary inserts and external data:
 *
 * - one statement per request; SET and USE refused (they would change the shared session);
 * - GET runs read-only statements only (a session-wide `readonly` cannot be undone);
 * - no call of a table function outside a short allow-list, nor of scalar functions that reach
 *   the filesystem (`file`, `catboostEvaluate`, `disk`), in any spelling the engine accepts;
 * - table functions that parse strings as SQL (`format`, `input`, `values`, `generateRandom`)
 *   take literal arguments only, and the literals are checked too: a computed string such as
 *   concat('fi', 'le(...)') would otherwise be parsed after the check;
 * - no INTO OUTFILE / FROM INFILE / FROM '<path>', no BACKUP / RESTORE, SYSTEM only for flushes,
 *   caches, merges and replicas; CREATE / ATTACH only with engines that keep data in the engine's
 *   own directory, dictionaries only from local ClickHouse tables;
 * - settings that name files, schemas on disk or remote registries are refused.
 */
import { EngineError } from './engine.js';
import { SAFE_ENGINES } from './sandbox.js';
import { SqlLexError, type Token, closingParen, isKeyword, isPunct, nameOf, tokenize } from './sql-tokens.js';

/** Table functions that read only what the engine already holds, or generate data. */
const SAFE_TABLE_FUNCTIONS = new Set(
  [
    'numbers',
    'numbers_mt',
    'zeros',
    'zeros_mt',
    'primes',
    'generate_series',
    'generateseries',
    'generaterandom',
    'values',
    'sqlstandardvalues',
    'null',
    'view',
    'viewifpermitted',
    'viewexplain',
    'merge',
    'loop',
    'input',
    'format',
    'dictionary',
    'mergetreeindex',
    'mergetreeprojection',
    'mergetreetextindex',
    'mergetreeanalyzeindexes',
    'mergetreeanalyzeindexesuuid',
    'fuzzjson',
    'fuzzquery',
    'timeseriesdata',
    'timeseriestags',
    'timeseriesmetrics',
    'timeseriessamples',
  ].map((n) => n.toLowerCase()),
);

/** Known to reach outside; refused even if the engine's own list could not be read. */
const ALWAYS_DENIED = [
  'file',
  'filecluster',
  'filesystem',
  'url',
  'urlcluster',
  's3',
  's3cluster',
  'gcs',
  'oss',
  'cosn',
  'remote',
  'remotesecure',
  'cluster',
  'clusterallreplicas',
  'executable',
  'executablepool',
  'hdfs',
  'hdfscluster',
  'mysql',
  'postgresql',
  'jdbc',
  'odbc',
  'sqlite',
  'mongodb',
  'redis',
  'azureblobstorage',
  'azureblobstoragecluster',
  'iceberg',
  'deltalake',
  'hudi',
  'paimon',
  'hive',
  'eval',
  'arrowstream',
  'ytsaurus',
  'prometheusquery',
  'prometheusqueryrange',
  'python',
  // scalar functions that touch the filesystem
  'catboostevaluate',
  'disk',
];

/** Functions whose string arguments the engine parses as SQL (structures with DEFAULT, Values). */
const PARSES_STRINGS = new Set(['format', 'input', 'values', 'generaterandom']);

const SAFE_ENGINE_NAMES = new Set(SAFE_ENGINES.map((e) => e.toLowerCase()));

/** Settings whose values are paths, schema files or remote registries. */
const DENIED_SETTINGS = new Set([
  'format_schema',
  'format_schema_source',
  'output_format_schema',
  'format_template_resultset',
  'format_template_row',
  'input_format_record_errors_file_path',
  'format_avro_schema_registry_url',
  'allow_experimental_eval_table_function',
  'additional_table_filters',
  'additional_result_filter',
  'schema_inference_hints',
]);

const READ_ONLY_STARTS = ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN', 'CHECK'];
const SYSTEM_ALLOWED = ['FLUSH', 'STOP', 'START', 'SYNC', 'WAIT'];
const DICTIONARY_SOURCE_KEYS_DENIED = ['HOST', 'PORT', 'SECURE', 'NAME'];

export interface StatementCheck {
  /** GET and HEAD requests may only read. */
  readonly readOnly: boolean;
}

function refuse(message: string): never {
  throw new EngineError(
    `${message}. The local ClickHouse server (tributary) refuses statements that reach the filesystem, other hosts or processes`,
    497,
    'ACCESS_DENIED',
  );
}

export class SqlPolicy {
  private readonly denied: Set<string>;

  /** `tableFunctions`: the engine's own list (system.table_functions); all but the safe ones are refused. */
  constructor(tableFunctions: Iterable<string> = []) {
    this.denied = new Set(ALWAYS_DENIED);
    for (const name of tableFunctions) {
      const lower = name.toLowerCase();
      if (!SAFE_TABLE_FUNCTIONS.has(lower)) this.denied.add(lower);
    }
  }

  /** Checks one client statement; throws EngineError (code 497/164/62) when it is refused. */
  checkStatement(sql: string, options: StatementCheck): void {
    const tokens = this.lex(sql);
    const statements = splitStatements(tokens);
    if (statements.length === 0) throw new EngineError('Empty query', 62, 'SYNTAX_ERROR');
    if (statements.length > 1) throw new EngineError('Multi-statements are not allowed', 62, 'SYNTAX_ERROR');
    const statement = statements[0]!;
    const first = firstKeyword(statement);
    if (first === 'SET' || first === 'USE')
      throw new EngineError(
        `${first} would change the session every client of the local server shares: pass settings as URL parameters (?name=value) and the database as ?database=`,
        164,
        'READONLY',
      );
    if (options.readOnly && !READ_ONLY_STARTS.includes(first))
      throw new EngineError(
        `Cannot execute ${first || 'this statement'} in a GET request: GET runs read-only statements only, send writes with POST`,
        164,
        'READONLY',
      );
    if (first === 'BACKUP' || first === 'RESTORE') refuse(`${first} is not allowed`);
    if (first === 'SYSTEM') this.checkSystem(statement);
    if (first === 'CREATE' || first === 'ATTACH' || first === 'REPLACE') this.checkCreate(statement);
    this.checkTokens(statement, first === 'INSERT');
  }

  /** Data of an INSERT … FORMAT Values body: the engine evaluates expressions in it. */
  checkValuesData(data: string): void {
    this.checkTokens(this.lex(data), false);
  }

  /** Setting names given as URL parameters. */
  checkSettingNames(names: Iterable<string>): void {
    for (const name of names)
      if (DENIED_SETTINGS.has(name.toLowerCase())) refuse(`the setting ${name} is not allowed`);
  }

  private lex(sql: string): Token[] {
    try {
      return tokenize(sql);
    } catch (err) {
      if (err instanceof SqlLexError)
        throw new EngineError(`Syntax error: ${err.message}`, 62, 'SYNTAX_ERROR');
      throw err;
    }
  }

  private checkTokens(tokens: readonly Token[], insert: boolean): void {
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      const name = nameOf(token);
      if (isKeyword(token, 'OUTFILE', 'INFILE')) refuse(`INTO OUTFILE / FROM INFILE is not allowed`);
      if (isKeyword(token, 'FROM') && tokens[i + 1]?.kind === 'string')
        refuse(`FROM '<path>' is not allowed`);
      if (name !== undefined && isPunct(tokens[i + 1], '=') && DENIED_SETTINGS.has(name))
        refuse(`the setting ${token.value} is not allowed`);
      if (name === undefined || !isPunct(tokens[i + 1], '(')) continue;
      if (this.denied.has(name)) refuse(`the function ${token.value}() is not allowed`);
      // INSERT … VALUES (…): the data is right here in the tokens, checked like any SQL.
      const valuesClause = insert && isKeyword(token, 'VALUES') && token.depth === 0;
      if (PARSES_STRINGS.has(name) && !valuesClause) this.checkLiteralArguments(tokens, i + 1, token.value);
    }
  }

  /** Arguments of a string-parsing function: literals (checked as SQL too) and plain names only. */
  private checkLiteralArguments(tokens: readonly Token[], open: number, fn: string): void {
    const close = closingParen(tokens, open);
    for (let j = open + 1; j < close; j++) {
      const arg = tokens[j]!;
      if (arg.kind === 'string') {
        // A structure ("s String DEFAULT …") or Values data: both are parsed as SQL later.
        this.checkTokens(this.lex(arg.value), false);
      } else if (arg.kind === 'word' || arg.kind === 'quoted') {
        // A name is a format name or a column type; a function call or a WITH alias could hide
        // a computed string, and a query parameter ({x:String}) a value the policy never sees.
        if (isPunct(tokens[j + 1], '(') || !(j === open + 1 && fn.toLowerCase() === 'format'))
          if (!(arg.kind === 'word' && /^(NULL|TRUE|FALSE)$/i.test(arg.value)))
            refuse(`${fn}() takes literal arguments only on the local server (use printf() for formatting)`);
      } else if (arg.kind === 'punct' && !['(', ')', ',', '-', '[', ']'].includes(arg.value)) {
        refuse(`${fn}() takes literal arguments only on the local server`);
      }
    }
  }

  private checkSystem(tokens: readonly Token[]): void {
    const action = tokens[1]?.value.toUpperCase() ?? '';
    const words = tokens.map((t) => t.value.toUpperCase());
    const allowed =
      SYSTEM_ALLOWED.includes(action) ||
      (action === 'DROP' && words.some((w) => w.endsWith('CACHE'))) ||
      (action === 'RELOAD' && /^DICTIONAR(Y|IES)$/.test(tokens[2]?.value.toUpperCase() ?? ''));
    if (!allowed) refuse(`SYSTEM ${action} is not allowed`);
  }

  private checkCreate(tokens: readonly Token[]): void {
    const isDictionary = tokens.some((t) => isKeyword(t, 'DICTIONARY'));
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (isKeyword(token, 'ENGINE')) {
        const engine = isPunct(tokens[i + 1], '=') ? tokens[i + 2] : tokens[i + 1];
        const engineName = nameOf(engine);
        if (engineName === undefined || !SAFE_ENGINE_NAMES.has(engineName))
          refuse(`ENGINE ${engine?.value ?? ''} is not allowed (only engines that keep data in the engine)`);
      }
      if (isDictionary && isKeyword(token, 'SOURCE') && isPunct(tokens[i + 1], '('))
        this.checkDictionarySource(tokens, i + 2);
      if (isDictionary && /SSD_CACHE$/i.test(token.value))
        refuse('dictionary layouts that write files are not allowed');
    }
  }

  private checkDictionarySource(tokens: readonly Token[], at: number): void {
    const source = nameOf(tokens[at]);
    if (source === 'null') return;
    if (source !== 'clickhouse' || !isPunct(tokens[at + 1], '('))
      refuse(`dictionary SOURCE(${tokens[at]?.value ?? ''}) is not allowed (only local ClickHouse tables)`);
    const close = closingParen(tokens, at + 1);
    for (let j = at + 2; j < close; j++) {
      const token = tokens[j]!;
      if (isKeyword(token, ...DICTIONARY_SOURCE_KEYS_DENIED))
        refuse(`dictionary source ${token.value} is not allowed (only local ClickHouse tables)`);
      if (isPunct(token, '{')) refuse('query parameters in a dictionary source are not allowed');
      // QUERY, WHERE and INVALIDATE_QUERY are SQL the engine runs later.
      if (token.kind === 'string') this.checkTokens(this.lex(token.value), false);
    }
  }
}

function splitStatements(tokens: readonly Token[]): Token[][] {
  const statements: Token[][] = [];
  let current: Token[] = [];
  for (const token of tokens) {
    if (isPunct(token, ';')) {
      if (current.length > 0) statements.push(current);
      current = [];
    } else current.push(token);
  }
  if (current.length > 0) statements.push(current);
  return statements;
}

/** The statement's first keyword, looking through opening parentheses: "(SELECT …)" is a SELECT. */
function firstKeyword(tokens: readonly Token[]): string {
  for (const token of tokens) {
    if (isPunct(token, '(')) continue;
    return token.kind === 'word' ? token.value.toUpperCase() : '';
  }
  return '';
}
