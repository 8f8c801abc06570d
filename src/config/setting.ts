import { ConfigError } from "./config-error.js";
import type { Reader } from "./readers.js";

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * One environment variable, declared once: its name, how it is read (a zod schema and the
 * "expected" text derived from it), its default, and what it means. The README's configuration
 * table is rendered from these declarations (see config-table.ts).
 */
export interface Setting<T> {
  readonly name: string;
  /** What a ConfigError says the variable expected; also the README's "values" column. */
  readonly expected: string;
  /** The default as the README shows it (Markdown). */
  readonly defaultText: string;
  /** What the variable means (Markdown, the README's "meaning" column). */
  readonly describe: string;
  /** The value in `env`, or the default; throws a ConfigError naming the variable. */
  read(env: Env): T;
}

/** The variable's value with surrounding whitespace removed; null when unset or blank. */
export function given(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? null : value;
}

function parse<T>(name: string, from: Reader<T>, value: string, raw: string | undefined): T {
  const parsed = from.schema.safeParse(value);
  // One obvious line naming the variable, rather than a stack trace.
  if (!parsed.success) throw new ConfigError(name, from.expected, raw);
  return parsed.data;
}

const code = (value: string): string => `\`${value}\``;

interface Described {
  readonly describe: string;
}

/** A fixed default, or one computed from other variables (then the README needs its words). */
type Default =
  | { readonly default: string; readonly defaultText?: string }
  | { readonly default: (env: Env) => string; readonly defaultText: string };

/** A variable that always has a value: the default, given as text and read like a set value. */
export function setting<T>(name: string, from: Reader<T>, declared: Described & Default): Setting<T> {
  const fallback = declared.default;
  return {
    name,
    expected: from.expected,
    defaultText: declared.defaultText ?? code(typeof fallback === "string" ? fallback : ""),
    describe: declared.describe,
    read(env) {
      const value = given(env, name) ?? (typeof fallback === "string" ? fallback : fallback(env));
      return parse(name, from, value, env[name]);
    },
  };
}

/** A variable without a default: null when unset or blank. */
export function optionalSetting<T>(
  name: string,
  from: Reader<T>,
  declared: Described & { readonly defaultText?: string },
): Setting<T | null> {
  return {
    name,
    expected: from.expected,
    defaultText: declared.defaultText ?? "none",
    describe: declared.describe,
    read(env) {
      const value = given(env, name);
      return value === null ? null : parse(name, from, value, env[name]);
    },
  };
}

/**
 * A variable read by its own parser, which sees the raw text (unset included) and throws its own
 * ConfigError: JSON settings whose errors must not echo the secrets inside them.
 */
export function parsedSetting<T>(
  name: string,
  declared: Described & {
    readonly parse: (raw: string | undefined) => T;
    readonly expected: string;
    readonly defaultText: string;
  },
): Setting<T> {
  return {
    name,
    expected: declared.expected,
    defaultText: declared.defaultText,
    describe: declared.describe,
    read: (env) => declared.parse(env[name]),
  };
}

/** What a setting reads when nothing is set: the declared default, typed. */
export const defaultOf = <T>(declared: Setting<T>): T => declared.read({});

/** Settings keyed by the Config field each one fills. */
export type SettingGroup = Readonly<Record<string, Setting<unknown>>>;

export type GroupValues<Group extends SettingGroup> = {
  readonly [Key in keyof Group]: Group[Key] extends Setting<infer T> ? T : never;
};

/** Reads every setting of a group into an object with the group's keys. */
export function readGroup<Group extends SettingGroup>(env: Env, group: Group): GroupValues<Group> {
  const values = Object.entries(group).map(([key, declared]) => [key, declared.read(env)] as const);
  return Object.fromEntries(values) as GroupValues<Group>;
}
