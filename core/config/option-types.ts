/**
 * The shape of one configuration key: type, default, meaning, and which commands read it (so each
 * command's --help and flag check come from the schema, not from a second list kept by hand).
 */

/** Every command of the CLI. A key names the commands that read it; `--help` and flags follow. */
export const commandNames = [
  'dev',
  'receiver',
  'writer',
  'replay',
  'migrate',
  'kafka',
  'clickhouse',
  'doctor',
  'status',
  'dlq',
] as const;
export type CommandName = (typeof commandNames)[number];

/** How `--help` groups a command's options, in this order. */
export const optionGroups = ['connection', 'behaviour', 'local stack', 'general'] as const;
export type OptionGroup = (typeof optionGroups)[number];

/** Which commands read a key and under which heading their help shows it. */
export interface Use {
  readonly readBy: readonly CommandName[];
  readonly group: OptionGroup;
}

interface Common extends Use {
  readonly doc: string;
}
export interface StringOption extends Common {
  readonly type: 'string';
  readonly default: string;
  readonly secret?: boolean;
  /** Refuses a value at load time: returns why, or undefined when it is fine. */
  readonly check?: (value: string) => string | undefined;
}
export interface IntOption extends Common {
  readonly type: 'int';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
export interface BoolOption extends Common {
  readonly type: 'bool';
  readonly default: boolean;
}
export interface ListOption extends Common {
  readonly type: 'list';
  readonly default: readonly string[];
  readonly secret?: boolean;
}
export interface EnumOption<V extends string = string> extends Common {
  readonly type: 'enum';
  readonly default: V;
  readonly values: readonly V[];
}
export type Option = StringOption | IntOption | BoolOption | ListOption | EnumOption;

export const use = (group: OptionGroup, readBy: readonly CommandName[]): Use => ({ group, readBy });

export const str = (def: string, doc: string, u: Use, secret = false): StringOption => ({
  type: 'string',
  default: def,
  doc,
  secret,
  ...u,
});
export const int = (def: number, doc: string, u: Use, min = 0, max = Number.MAX_SAFE_INTEGER): IntOption => ({
  type: 'int',
  default: def,
  doc,
  min,
  max,
  ...u,
});
export const bool = (def: boolean, doc: string, u: Use): BoolOption => ({
  type: 'bool',
  default: def,
  doc,
  ...u,
});
export const list = (def: readonly string[], doc: string, u: Use, secret = false): ListOption => ({
  type: 'list',
  default: def,
  doc,
  secret,
  ...u,
});
export const oneOf = <V extends string>(
  def: V,
  values: readonly V[],
  doc: string,
  u: Use,
): EnumOption<V> => ({
  type: 'enum',
  default: def,
  values,
  doc,
  ...u,
});

export const isSecretOption = (option: Option): boolean =>
  (option.type === 'string' || option.type === 'list') && option.secret === true;
