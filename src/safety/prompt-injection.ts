/**
 * rag-corp's prompt-injection detector, reproduced rule for rule: the chunk metadata it writes
 * (`security_flags`, `risk_score`, `detected_patterns`) is what rag-corp's API reads to downrank
 * or drop chunks, so ragworker must write the same values, float for float.
 *
 * Eight word-list rules, each counted once per text, each with a weight; the score is the sum
 * of the matched weights over 3, capped at 1. Benign words match too ("override", "tool",
 * "policy"): that is rag-corp's behaviour and its API's filter expects it.
 *
 * rag-corp matches with Python's `re` and IGNORECASE, whose semantics differ from JavaScript's:
 * - `\b` is Unicode-aware in Python (a letter like "á" is a word character) but ASCII-only in
 *   JavaScript, so boundaries are written as lookarounds on `[\p{L}\p{N}_]`, Python's `\w`.
 * - Python's `.` stops only at "\n"; JavaScript's also at "\r", U+2028 and U+2029.
 * - Python's case-insensitive "i" also matches "İ" (U+0130) and "ı" (U+0131); JavaScript's `iu`
 *   does not. And `iu` would put U+0345 in the word class (it folds to a Greek letter), which
 *   Python does not count as a word character. So the regexes use no `i` flag: each letter is
 *   spelled as the class of characters Python's IGNORECASE accepts for it (see ignoringCase).
 *
 * Every rule is linear on its input. `ignore … instructions` is not run as one regex: with a
 * backtracking engine, `ignore.+instructions` retries the whole rest of the line from every
 * "ignore", quadratic on a long line of them; it is matched as two scans instead.
 */

export type SecurityFlag = "instruction_override" | "exfiltration_attempt" | "policy_override" | "tool_abuse";

export type PromptInjectionSlug =
  | "ignore_instructions"
  | "system_prompt"
  | "developer_message"
  | "reveal_secrets"
  | "tool_abuse"
  | "policy_override"
  | "act_as"
  | "prompt_reference";

export interface PromptInjectionRule {
  /** rag-corp's rule name; also the `pattern` label of rag_prompt_injection_detected_total. */
  readonly slug: PromptInjectionSlug;
  /** rag-corp's regex, as Python source (with IGNORECASE); what `matches` implements. */
  readonly pythonRegex: string;
  readonly flags: readonly SecurityFlag[];
  readonly weight: number;
  /** Whether the rule matches anywhere in `text`, as Python's `re.search` would. */
  readonly matches: (text: string) => boolean;
}

export interface PromptInjectionDetection {
  /** min(1, Σ matched weights / 3), summed in rule order in float64, as rag-corp computes it. */
  readonly riskScore: number;
  /** The matched rules' flags, each once, in the order first seen. */
  readonly flags: SecurityFlag[];
  /** The matched rules' slugs, in rule order. */
  readonly patterns: PromptInjectionSlug[];
}

/** The chunk metadata rag-corp's worker writes when at least one rule matched (keys in its order). */
export interface PromptInjectionChunkMetadata {
  security_flags: SecurityFlag[];
  risk_score: number;
  detected_patterns: PromptInjectionSlug[];
}

/** `{}` when no rule matched: rag-corp then writes an empty metadata object. */
export type PromptInjectionMetadata = PromptInjectionChunkMetadata | Record<string, never>;

export const RISK_SCORE_DIVISOR = 3.0;

/** rag-corp's RAG_INJECTION_RISK_THRESHOLD default, used by its API's filter. */
export const DEFAULT_INJECTION_RISK_THRESHOLD = 0.6;

// Python's `\w` (letters and numbers of any script, and "_"), as lookarounds.
const NOT_AFTER_WORD = "(?<![\\p{L}\\p{N}_])";
const NOT_BEFORE_WORD = "(?![\\p{L}\\p{N}_])";

// What Python's IGNORECASE accepts for each letter the rules use, beyond the letter and its
// upper case: `lower()` maps "İ" to "i" and K (Kelvin) to "k", and Python adds "ı" and "ſ" as
// equivalents of "i" and "s".
const EXTRA_CASE_VARIANTS: Readonly<Record<string, string>> = { i: "\u0130\u0131", k: "\u212A", s: "\u017F" };

/** Spells each letter of a regex source (letters, spaces, `|`, `?`, `[…]`) case-insensitively. */
function ignoringCase(source: string): string {
  let inClass = false;
  let out = "";
  for (const character of source) {
    if (character === "[" || character === "]") inClass = character === "[";
    const upper = character.toUpperCase();
    if (upper === character.toLowerCase()) {
      out += character;
      continue;
    }
    // Python compares single characters: a letter whose upper case is two ("ß") has no class.
    if ([...upper].length !== 1) throw new Error(`no single-character case variant for ${character}`);
    const variants = `${character}${upper}${EXTRA_CASE_VARIANTS[character] ?? ""}`;
    out += inClass ? variants : `[${variants}]`;
  }
  return out;
}

/** `\b(alternatives)\b` with IGNORECASE; `g` for the scans that resume at lastIndex. */
function wordsRegex(alternatives: string, global = false): RegExp {
  return new RegExp(
    `${NOT_AFTER_WORD}(?:${ignoringCase(alternatives)})${NOT_BEFORE_WORD}`,
    global ? "gu" : "u",
  );
}

/** A rule whose Python regex is `\b…\b` around words: every alternative starts and ends with a letter. */
function wordsRule(
  slug: PromptInjectionSlug,
  pythonRegex: string,
  flags: readonly SecurityFlag[],
  weight: number,
): PromptInjectionRule {
  const words = /^\\b(.+)\\b$/.exec(pythonRegex)?.[1];
  if (words === undefined) throw new Error(`not a word rule: ${pythonRegex}`);
  const regex = wordsRegex(words);
  return { slug, pythonRegex, flags, weight, matches: (text) => regex.test(text) };
}

const IGNORE = wordsRegex("ignore|ignora", true);
const INSTRUCTIONS = wordsRegex("instructions|instrucciones", true);

/**
 * `\b(ignore|ignora)\b.+\b(instructions|instrucciones)\b` with Python's `.` (anything but
 * "\n"): some "ignore" word and a later "instructions" word on the same line. Taking the first
 * "ignore" of each line is enough, and the scans only move forward, so this is linear.
 */
function ignoreThenInstructions(text: string): boolean {
  let from = 0;
  // Start of the first "instructions" word at or after the position last searched from.
  let instructionsAt = -1;
  for (;;) {
    IGNORE.lastIndex = from;
    const ignore = IGNORE.exec(text);
    if (ignore === null) return false;
    const afterIgnore = ignore.index + ignore[0].length;
    if (instructionsAt < afterIgnore) {
      // The character at afterIgnore is not a word character, so a match found from there
      // starts after it: `.+` gets its one character at least.
      INSTRUCTIONS.lastIndex = afterIgnore;
      const instructions = INSTRUCTIONS.exec(text);
      if (instructions === null) return false;
      instructionsAt = instructions.index;
    }
    const lineEnd = text.indexOf("\n", afterIgnore);
    if (lineEnd === -1 || instructionsAt < lineEnd) return true;
    from = lineEnd + 1;
  }
}

/** rag-corp's rules, in the order it tries them (which is the order of slugs, flags and sums). */
export const PROMPT_INJECTION_RULES: readonly PromptInjectionRule[] = [
  {
    slug: "ignore_instructions",
    pythonRegex: "\\b(ignore|ignora)\\b.+\\b(instructions|instrucciones)\\b",
    flags: ["instruction_override"],
    weight: 1.2,
    matches: ignoreThenInstructions,
  },
  wordsRule("system_prompt", "\\b(system prompt|prompt del sistema)\\b", ["exfiltration_attempt"], 1.2),
  wordsRule(
    "developer_message",
    "\\b(developer message|mensaje del desarrollador)\\b",
    ["policy_override"],
    1.0,
  ),
  wordsRule(
    "reveal_secrets",
    "\\b(reveal|leak|exfiltrate|revela|filtra|confidencial)\\b",
    ["exfiltration_attempt"],
    1.0,
  ),
  wordsRule("tool_abuse", "\\b(tools?|herramientas|function calling)\\b", ["tool_abuse"], 0.7),
  wordsRule(
    "policy_override",
    "\\b(policy|pol[ií]tica|bypass|jailbreak|override|anula|sin restricciones)\\b",
    ["policy_override"],
    1.0,
  ),
  wordsRule("act_as", "\\b(act as|act[úu]a como)\\b", ["instruction_override"], 0.8),
  wordsRule("prompt_reference", "\\bprompt\\b", [], 0.3),
];

export const PROMPT_INJECTION_SLUGS: readonly PromptInjectionSlug[] = PROMPT_INJECTION_RULES.map(
  (rule) => rule.slug,
);

/**
 * Runs rag-corp's rules on `text`. Blank text matches nothing (every rule needs letters), so
 * it scores 0 with no flags, as rag-corp's early return gives.
 */
export function detectPromptInjection(text: string): PromptInjectionDetection {
  const patterns: PromptInjectionSlug[] = [];
  const flags: SecurityFlag[] = [];
  let weightSum = 0;
  for (const rule of PROMPT_INJECTION_RULES) {
    if (!rule.matches(text)) continue;
    patterns.push(rule.slug);
    for (const flag of rule.flags) {
      if (!flags.includes(flag)) flags.push(flag);
    }
    // Summed in rule order: float addition is not associative, and rag-corp's scores (e.g.
    // 0.09999999999999999) are the ones this order gives.
    weightSum += rule.weight;
  }
  return { riskScore: Math.min(1.0, weightSum / RISK_SCORE_DIVISOR), flags, patterns };
}

/** What rag-corp's worker stores in `chunks.metadata` for a detection. */
export function promptInjectionMetadata(detection: PromptInjectionDetection): PromptInjectionMetadata {
  if (detection.patterns.length === 0) return {};
  return {
    security_flags: [...detection.flags],
    risk_score: detection.riskScore,
    detected_patterns: [...detection.patterns],
  };
}

/**
 * The metadata as Python's `json.dumps` writes it (", " and ": " separators, floats with a
 * fraction: `1.0`, not `1`). PostgreSQL's jsonb keeps a number's written scale, so the row
 * reads back `"risk_score": 1.0` as rag-corp's does only if it was sent that way.
 */
export function promptInjectionMetadataJson(metadata: PromptInjectionMetadata): string {
  if (!("risk_score" in metadata)) return "{}";
  const strings = (values: readonly string[]): string => `[${values.map(pythonJsonString).join(", ")}]`;
  return (
    `{"security_flags": ${strings(metadata.security_flags)}, ` +
    `"risk_score": ${pythonFloatRepr(metadata.risk_score)}, ` +
    `"detected_patterns": ${strings(metadata.detected_patterns)}}`
  );
}

/**
 * rag-corp's API-side test (`is_flagged`): a chunk is flagged when it has a security flag or its
 * risk score reaches the threshold. Only `prompt_reference` matches without a flag.
 */
export function isPromptInjectionFlagged(
  metadata: { readonly security_flags?: readonly string[]; readonly risk_score?: number },
  threshold = DEFAULT_INJECTION_RISK_THRESHOLD,
): boolean {
  return (metadata.security_flags?.length ?? 0) > 0 || (metadata.risk_score ?? 0) >= threshold;
}

/**
 * @deprecated The pre-rag-corp shape, kept only until the pipeline writes rag-corp's metadata;
 * use detectPromptInjection and promptInjectionMetadata.
 */
export function scanForPromptInjection(text: string): {
  flagged: boolean;
  riskScore: number;
  patterns: PromptInjectionSlug[];
} {
  const detection = detectPromptInjection(text);
  return {
    flagged: isPromptInjectionFlagged(promptInjectionMetadata(detection)),
    riskScore: detection.riskScore,
    patterns: detection.patterns,
  };
}

// repr() of a Python float for the values a risk score takes (0, 1, or in [0.09, 1)): there
// JavaScript's shortest round-trip digits are Python's, only integers differ ("1" vs "1.0").
function pythonFloatRepr(value: number): string {
  if (!Number.isFinite(value) || Math.abs(value) >= 1e16 || (value !== 0 && Math.abs(value) < 1e-4)) {
    throw new RangeError(`not a risk score: ${value}`);
  }
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

// json.dumps escapes every non-ASCII character (ensure_ascii); JSON.stringify keeps them.
function pythonJsonString(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007F-\uFFFF]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
