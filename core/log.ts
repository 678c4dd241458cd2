/**
 * Structured logging through pino, on stderr so stdout stays free for command output.
 * Off a terminal (and always with NODE_ENV=production) each event is one JSON line
 * `{"level":"info","time":"…","component":"writer",…,"msg":"…"}`; in a terminal each event is one
 * readable, coloured line with the component as prefix (pino-pretty). `logFormat` chooses explicitly.
 */
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';
import type PinoPretty from 'pino-pretty';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

let minLevel: Level = 'info';
let format: LogFormat = 'auto';
/** Bumped whenever level or format change, so loggers made before the config was read follow it. */
let generation = 0;
let root: PinoLogger | undefined;

export function setLogLevel(level: Level): void {
  minLevel = level;
  generation++;
  root = undefined;
}

/** The current minimum level (libraries with their own log switch follow it). */
export function logLevel(): Level {
  return minLevel;
}

export function setLogFormat(next: LogFormat): void {
  format = next;
  generation++;
  root = undefined;
}

/** Whether events print as readable lines (a terminal, not production) rather than JSON. */
export function prettyLogs(): boolean {
  if (format !== 'auto') return format === 'pretty';
  return process.stderr.isTTY && process.env['NODE_ENV'] !== 'production';
}

/** pino-pretty is loaded only for terminals, so production never pays for it. */
function prettyDestination(): DestinationStream {
  const require = createRequire(import.meta.url);
  const { prettyFactory } = require('pino-pretty') as typeof PinoPretty;
  const prettify = prettyFactory({
    colorize: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'component',
    errorLikeObjectKeys: [], // errors are already {message, name, code}: keep them on the one line
    customColors: 'message:reset',
    useOnlyCustomProps: false,
    messageFormat: (log, messageKey, _level, { colors }) => {
      const component = typeof log['component'] === 'string' ? log['component'] : '';
      const raw = log[messageKey];
      const message = typeof raw === 'string' ? raw : JSON.stringify(raw ?? '');
      return component ? `${colors.magenta(component.padEnd(8))} ${colors.gray('│')} ${message}` : message;
    },
  });
  return { write: (line: string) => void process.stderr.write(prettify(line)) };
}

/** Writes synchronously: shutdown paths call process.exit right after their last line. */
function jsonDestination(): DestinationStream {
  return { write: (line: string) => void process.stderr.write(line) };
}

function getRoot(): PinoLogger {
  root ??= pino(
    {
      level: minLevel,
      base: undefined, // no pid/hostname: the platform (systemd, Kubernetes) adds where it ran
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: (value: unknown) => value }, // serialize() below already made errors plain
    },
    prettyLogs() ? prettyDestination() : jsonDestination(),
  );
  return root;
}

/** Errors keep their message, name and code (not the stack: one event stays one line). */
function serialize(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof Error) {
      const code = (value as { code?: unknown }).code;
      out[key] = { message: value.message, name: value.name, ...(code === undefined ? {} : { code }) };
    } else {
      out[key] = value;
    }
  }
  return out;
}

export function createLogger(base: Record<string, unknown> = {}): Logger {
  let made = -1;
  let instance: PinoLogger | undefined;
  const current = (): PinoLogger => {
    if (!instance || made !== generation) {
      instance = getRoot().child(serialize(base));
      made = generation;
    }
    return instance;
  };
  const write = (level: Level, msg: string, fields?: Record<string, unknown>): void => {
    const target = current();
    if (!target.isLevelEnabled(level)) return;
    if (!fields) target[level](msg);
    // pino prints a child's bindings and the event's fields side by side: a field the logger already
    // binds (`signal` on a signal's logger) would appear twice in one JSON object, which strict
    // consumers reject. Such an event is written from the root with the two merged, the field winning.
    else if (Object.keys(fields).some((key) => Object.hasOwn(base, key)))
      getRoot()[level](serialize({ ...base, ...fields }), msg);
    else target[level](serialize(fields), msg);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}
