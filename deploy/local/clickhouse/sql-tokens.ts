/**
 * A lexer for ClickHouse SQL, just precise enough for the local server's statement policy
 * (sql-policy.ts). It follows the engine's own lexer where a difference could hide code from the
 * policy: nested block comments, `# ` and `#!` line comments, heredoc strings ($tag$…$tag$),
 * backslash escapes inside quoted identifiers (`fi\x6ce` is `file`). Where it cannot be sure what
 * the engine would read, it throws instead of guessing, and the statement is refused.
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** Words as written; quoted identifiers and strings with their escapes decoded. */
  readonly value: string;
  /** Paren depth before the token (an opening paren has the depth outside it). */
  readonly depth: number;
}

export class SqlLexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlLexError';
  }
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  b: '\b',
  f: '\f',
  a: '\x07',
  v: '\v',
  e: '\x1b',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
};

const isSpace = (c: string): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
// The engine treats every byte >= 0x80 as part of a word (UTF-8 identifiers).
const isWordStart = (c: string): boolean => /[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80;
const isWordChar = (c: string): boolean => /[A-Za-z0-9_]/.test(c) || c.charCodeAt(0) >= 0x80;

/** Reads a quoted run starting at `start` (the quote); returns the decoded text and the end. */
function readQuoted(sql: string, start: number, quote: string): { value: string; end: number } {
  let out = '';
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === '\\') {
      const next = sql[i + 1];
      if (next === undefined) break;
      if (next === 'x' && /^[0-9A-Fa-f]{2}$/.test(sql.slice(i + 2, i + 4))) {
        out += String.fromCharCode(parseInt(sql.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      // Unknown escapes keep the backslash, as the engine does.
      out += SIMPLE_ESCAPES[next] ?? `\\${next}`;
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        out += quote;
        i += 2;
        continue;
      }
      return { value: out, end: i + 1 };
    }
    out += c;
    i++;
  }
  throw new SqlLexError(`unterminated ${quote === "'" ? 'string' : 'quoted identifier'}`);
}

/** Splits SQL into tokens, skipping whitespace and comments. Throws SqlLexError when unsure. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  const push = (kind: TokenKind, value: string): void => {
    if (kind === 'punct' && value === ')') depth = Math.max(0, depth - 1);
    tokens.push({ kind, value, depth });
    if (kind === 'punct' && value === '(') depth++;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (isSpace(c)) {
      i++;
    } else if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (c === '#') {
      if (next !== ' ' && next !== '!') throw new SqlLexError('unexpected #');
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? sql.length : eol + 1;
    } else if (c === '/' && next === '*') {
      // Block comments nest in ClickHouse: /* a /* b */ c */ is one comment.
      let level = 0;
      let j = i;
      for (; j < sql.length; j++) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          level++;
          j++;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          level--;
          j++;
          if (level === 0) break;
        }
      }
      if (level !== 0) throw new SqlLexError('unterminated comment');
      i = j + 1;
    } else if (c === "'") {
      const { value, end } = readQuoted(sql, i, "'");
      push('string', value);
      i = end;
    } else if (c === '`' || c === '"') {
      const { value, end } = readQuoted(sql, i, c);
      push('quoted', value);
      i = end;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z0-9_]*\$/.exec(sql.slice(i, i + 256))?.[0];
      if (!tag) throw new SqlLexError('unexpected $');
      const close = sql.indexOf(tag, i + tag.length);
      if (close < 0) throw new SqlLexError('unterminated heredoc string');
      push('string', sql.slice(i + tag.length, close));
      i = close + tag.length;
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next))) {
      // Digits only, then what follows is a separate token: "1file(" shows "file(" to the policy.
      const match = /^(0x[0-9A-Fa-f_]+|0b[01_]+|[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9]+)?)/.exec(sql.slice(i))!;
      const text = match[0] || c;
      push('number', text);
      i += text.length;
    } else if (isWordStart(c)) {
      let j = i + 1;
      while (j < sql.length && isWordChar(sql[j]!)) j++;
      if (sql[j] === '$') throw new SqlLexError('unexpected $ in a word');
      push('word', sql.slice(i, j));
      i = j;
    } else {
      push('punct', c);
      i++;
    }
  }
  return tokens;
}

/** A word or quoted identifier, compared case-insensitively. */
export function nameOf(token: Token | undefined): string | undefined {
  return token && (token.kind === 'word' || token.kind === 'quoted') ? token.value.toLowerCase() : undefined;
}

export function isKeyword(token: Token | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.includes(token.value.toUpperCase());
}

export function isPunct(token: Token | undefined, char: string): boolean {
  return token?.kind === 'punct' && token.value === char;
}

/** Index of the parenthesis closing the one opened at `open`, or the last index. */
export function closingParen(tokens: readonly Token[], open: number): number {
  const depth = tokens[open]!.depth;
  for (let i = open + 1; i < tokens.length; i++)
    if (isPunct(tokens[i], ')') && tokens[i]!.depth === depth) return i;
  return tokens.length - 1;
}
