import { z } from "zod";

/**
 * Boolean settings read the way rag-corp's pydantic settings read them, so a deployment's values
 * mean the same to both workers: `1/0`, `true/false`, `yes/no`, `on/off`, `t/f`, `y/n`, in any
 * ASCII case. Anything else is an error, not false. (Blank values are the caller's business:
 * a setting (setting.ts) replaces them with its default before this schema sees them.)
 */
const TRUE_WORDS: ReadonlySet<string> = new Set(["1", "true", "yes", "on", "t", "y"]);
const FALSE_WORDS: ReadonlySet<string> = new Set(["0", "false", "no", "off", "f", "n"]);

/** What a ConfigError says a boolean variable expected. */
export const BOOLEAN_SETTING_EXPECTED = "a boolean: 1/0, true/false, yes/no, on/off, t/f or y/n";

/** The value as a boolean, or undefined when it is not one of the accepted words. */
export function parseBooleanSetting(value: string): boolean | undefined {
  // Only ASCII letters fold: pydantic compares ASCII case-insensitively, nothing more.
  const word = value.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

export const booleanSetting: z.ZodType<boolean> = z.string().transform((value, context) => {
  const parsed = parseBooleanSetting(value);
  if (parsed === undefined) {
    context.addIssue({ code: "custom", message: `expected ${BOOLEAN_SETTING_EXPECTED}` });
    return z.NEVER;
  }
  return parsed;
});
