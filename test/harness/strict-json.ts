/**
 * JSON as the strictest consumers read it: valid JSON (JSON.parse) whose objects never repeat a key
 * (JSON.parse keeps the last value silently; the yaml package, a YAML 1.2 parser and so a JSON one,
 * refuses repeated keys).
 */
import { parseDocument } from 'yaml';

export function parseStrictJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(`${doc.errors[0]!.message.split('\n')[0]} in ${text}`);
  return value;
}
