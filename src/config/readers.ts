import { z } from "zod";
import { BOOLEAN_SETTING_EXPECTED, booleanSetting } from "./boolean-setting.js";

/**
 * How one variable's text becomes a value: a zod schema and what a ConfigError says it expected.
 * The readers below write each range once and derive the "expected" text from it.
 */
export interface Reader<T> {
  readonly schema: z.ZodType<T>;
  readonly expected: string;
}

export function reader<T>(schema: z.ZodType<T>, expected: string): Reader<T> {
  return { schema, expected };
}

/** An integer in [min, max]; `unit` names it in the error ("milliseconds from 10 to 86400000"). */
export function integer(min: number, max: number, unit = "an integer"): Reader<number> {
  return reader(z.coerce.number().int().min(min).max(max), `${unit} from ${min} to ${max}`);
}

export const milliseconds = (min: number, max: number): Reader<number> => integer(min, max, "milliseconds");

/** Seconds (fractions allowed, as rag-corp's RETRY_* are floats), read as whole milliseconds. */
export function seconds(min: number, max: number): Reader<number> {
  return reader(
    z.coerce
      .number()
      .min(min)
      .max(max)
      .transform((value) => Math.round(value * 1000)),
    `seconds from ${min} to ${max}`,
  );
}

/** pydantic's boolean spellings, which rag-corp's settings use: a rag-corp .env works unchanged. */
export const flag: Reader<boolean> = reader(booleanSetting, BOOLEAN_SETTING_EXPECTED);

/** One of a fixed list of words; `anyCase` compares them ignoring case. */
export function oneOf<const Word extends string>(
  words: readonly [Word, ...Word[]],
  { anyCase = false } = {},
): Reader<Word> {
  const schema = anyCase
    ? z
        .string()
        .transform((value) => value.toLowerCase())
        .pipe(z.enum(words))
    : z.enum(words);
  return reader(schema, `one of ${words.join(", ")}`);
}

/** Any non-empty text; `expected` says what it should be ("a directory"). */
export const text = (expected: string): Reader<string> => reader(z.string().min(1), expected);

/** Text matching `pattern`. */
export const matching = (pattern: RegExp, expected: string): Reader<string> =>
  reader(z.string().regex(pattern), expected);

/** Text that `accept` does not throw on (a parser elsewhere holds the rules). */
export function acceptedBy(accept: (value: string) => unknown, expected: string): Reader<string> {
  return reader(
    z.string().refine((value) => {
      try {
        accept(value);
        return true;
      } catch {
        return false;
      }
    }),
    expected,
  );
}

const protocolOf = (value: string): string | null => {
  try {
    return new URL(value).protocol;
  } catch {
    return null;
  }
};

/** A URL with one of `schemes` ("redis:"), said as "a redis:// or rediss:// URL". */
export function urlWith(schemes: readonly [string, ...string[]], expected?: string): Reader<string> {
  const names = schemes.map((scheme) => `${scheme}//`).join(" or ");
  return reader(
    z.string().refine((value) => schemes.includes(protocolOf(value) ?? "")),
    expected ?? `a ${names} URL`,
  );
}

/** An http(s) URL without user or password: a secret in a URL ends up in logs and error messages. */
export function httpUrlWithoutCredentials(why = ""): Reader<string> {
  return reader(
    urlWith(["http:", "https:"]).schema.refine((value) => {
      const url = new URL(value);
      return url.username === "" && url.password === "";
    }),
    `an http(s) URL without credentials${why === "" ? "" : ` (${why})`}`,
  );
}
