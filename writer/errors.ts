/**
 * Which ClickHouse failures are worth retrying, decided in one place. Permanent means the data
 * itself was refused (the record goes to the DLQ); schema means the table is not what we thought
 * (re-read it and retry: an operator may be migrating); everything else is retried with backoff.
 */
export type FailureKind = 'retryable' | 'permanent' | 'schema';

/** Error codes where ClickHouse refused the data itself: retrying the same rows cannot succeed. */
const PERMANENT_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  131, // TOO_LARGE_STRING_SIZE
  349, // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  1001, // STD_EXCEPTION raised while parsing rows
]);

/** The table or its columns are not what the writer expected. */
const SCHEMA_CODES = new Set([
  8, // THERE_IS_NO_COLUMN
  10, // NOT_FOUND_COLUMN_IN_BLOCK
  16, // NO_SUCH_COLUMN_IN_TABLE
  20, // NUMBER_OF_COLUMNS_DOESNT_MATCH
  47, // UNKNOWN_IDENTIFIER
  60, // UNKNOWN_TABLE
  81, // UNKNOWN_DATABASE
]);

export function clickhouseCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  if (typeof code === 'number') return code;
  return undefined;
}

export function classifyClickHouseError(err: unknown): FailureKind {
  const code = clickhouseCode(err);
  if (code === undefined) return 'retryable'; // network errors, timeouts, sockets closed
  if (SCHEMA_CODES.has(code)) return 'schema';
  if (PERMANENT_CODES.has(code)) return 'permanent';
  return 'retryable';
}
