/**
 * The arguments of a ClickHouse type name, e.g. `Map(LowCardinality(String), String)` →
 * [`LowCardinality(String)`, `String`]: split at top-level commas, quoted text (enum names, tuple
 * element names) kept whole. Used by the writer's RowBinary encoders and the local server's Native
 * walker, which both read type names as the server writes them.
 */
export function typeArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '`' || c === '"') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((part) => part !== '');
}
