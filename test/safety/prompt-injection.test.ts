/**
 * The detector against rag-corp's own results (test/fixtures/rag-corp/injection-cases.json,
 * made by make-chunker-injection-fixtures.py from the rag-corp kit): matched rules, flags, the
 * exact float score and the chunk metadata, plus the Python regex semantics it must copy.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "../support/bounded-test.js";

import {
  DEFAULT_INJECTION_RISK_THRESHOLD,
  PROMPT_INJECTION_RULES,
  PROMPT_INJECTION_SLUGS,
  RISK_SCORE_DIVISOR,
  detectPromptInjection,
  isPromptInjectionFlagged,
  promptInjectionMetadata,
  promptInjectionMetadataJson,
  scanForPromptInjection,
} from "../../src/safety/prompt-injection.js";

interface Fixture {
  readonly rules_in_order: readonly {
    readonly slug: string;
    readonly regex: string;
    readonly python_flags: string;
    readonly flags: readonly string[];
    readonly weight: number;
  }[];
  readonly risk_score_divisor: number;
  readonly default_filter_threshold: number;
  readonly cases: readonly {
    readonly id: string;
    readonly kind: string;
    readonly text: string;
    readonly risk_score: number;
    readonly flags: readonly string[];
    readonly patterns: readonly string[];
    readonly chunk_metadata: Readonly<Record<string, unknown>>;
    readonly chunk_metadata_json_text: string;
    readonly is_flagged_threshold_0_6: boolean;
  }[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/rag-corp/injection-cases.json", import.meta.url), "utf8"),
) as Fixture;

function patternsOf(text: string): string[] {
  return detectPromptInjection(text).patterns;
}

describe("detectPromptInjection", () => {
  it("has rag-corp's rules, in its order, with its flags and weights", () => {
    assert.deepEqual(
      PROMPT_INJECTION_RULES.map(({ slug, pythonRegex, flags, weight }) => ({
        slug,
        pythonRegex,
        flags,
        weight,
      })),
      fixture.rules_in_order.map(({ slug, regex, flags, weight }) => ({
        slug,
        pythonRegex: regex,
        flags,
        weight,
      })),
    );
    assert.deepEqual(
      PROMPT_INJECTION_SLUGS,
      fixture.rules_in_order.map((rule) => rule.slug),
    );
    assert.equal(RISK_SCORE_DIVISOR, fixture.risk_score_divisor);
    assert.equal(DEFAULT_INJECTION_RISK_THRESHOLD, fixture.default_filter_threshold);
  });

  for (const kitCase of fixture.cases) {
    it(`reproduces rag-corp on ${kitCase.id} (${kitCase.kind}): ${JSON.stringify(kitCase.text)}`, () => {
      const detection = detectPromptInjection(kitCase.text);
      assert.deepEqual(detection.patterns, kitCase.patterns);
      assert.deepEqual(detection.flags, kitCase.flags);
      // Exact float equality: rag-corp's score is the float64 rule-order sum over 3.
      assert.equal(detection.riskScore, kitCase.risk_score);
      const metadata = promptInjectionMetadata(detection);
      assert.deepEqual(metadata, kitCase.chunk_metadata);
      assert.deepEqual(Object.keys(metadata), Object.keys(kitCase.chunk_metadata));
      assert.equal(promptInjectionMetadataJson(metadata), kitCase.chunk_metadata_json_text);
      assert.equal(isPromptInjectionFlagged(metadata), kitCase.is_flagged_threshold_0_6);
    });
  }

  it("uses Python's word boundaries: letters and digits of any script, and '_'", () => {
    assert.deepEqual(patternsOf("un prompt_x"), []);
    assert.deepEqual(patternsOf("prompt2"), []);
    assert.deepEqual(patternsOf("ñtool"), []);
    assert.deepEqual(patternsOf("«prompt»"), ["prompt_reference"]);
    // A combining mark is not a word character in Python, U+0345 included (JavaScript's `iu`
    // would count it, as it folds to a Greek letter).
    assert.deepEqual(patternsOf("prompt\u0301"), ["prompt_reference"]);
    assert.deepEqual(patternsOf("prompt\u0345"), ["prompt_reference"]);
    assert.deepEqual(patternsOf("\u0345prompt"), ["prompt_reference"]);
    assert.deepEqual(patternsOf("system\u0345prompt"), ["prompt_reference"]);
  });

  it("folds case like Python: ſ, K (Kelvin), İ and ı included", () => {
    assert.deepEqual(patternsOf("SYſTEM PROMPT"), ["system_prompt", "prompt_reference"]);
    assert.deepEqual(patternsOf("bypa\u017Fs"), ["policy_override"]);
    assert.deepEqual(patternsOf("LEA\u212A"), ["reveal_secrets"]);
    assert.deepEqual(patternsOf("\u0131gnore the \u0130NSTRUCT\u0130ONS"), ["ignore_instructions"]);
    assert.deepEqual(patternsOf("POLÍTICA, Actúa Como"), ["policy_override", "act_as"]);
  });

  it("lets `.` cross anything but \\n between ignore and instructions", () => {
    for (const separator of ["\r", "\u2028", "\u2029", "\u0085", "\t", "🚀"]) {
      assert.deepEqual(patternsOf(`ignore${separator}instructions`), ["ignore_instructions"], separator);
    }
    assert.deepEqual(patternsOf("ignore\ninstructions"), []);
    assert.deepEqual(patternsOf("ignoreinstructions"), []);
    assert.deepEqual(patternsOf("instructions: ignore them"), []);
    assert.deepEqual(patternsOf("ignore\nignore these instructions"), ["ignore_instructions"]);
    assert.deepEqual(patternsOf("ignore this\nthen these instructions\nignora las instrucciones"), [
      "ignore_instructions",
    ]);
    assert.deepEqual(patternsOf("ignores instructions; ignored instructions"), []);
    assert.deepEqual(patternsOf("ignore instructionsX ignore instrucciones"), ["ignore_instructions"]);
  });

  it("counts each rule once and each flag once, in rule order", () => {
    const detection = detectPromptInjection("prompt prompt tools tools policy reveal act as reveal");
    assert.deepEqual(detection.patterns, [
      "reveal_secrets",
      "tool_abuse",
      "policy_override",
      "act_as",
      "prompt_reference",
    ]);
    assert.deepEqual(detection.flags, [
      "exfiltration_attempt",
      "tool_abuse",
      "policy_override",
      "instruction_override",
    ]);
    assert.equal(detection.riskScore, 1);
    assert.equal(
      promptInjectionMetadataJson(promptInjectionMetadata(detection)).includes('"risk_score": 1.0'),
      true,
    );
  });

  it("applies rag-corp's is_flagged test to stored metadata", () => {
    assert.equal(isPromptInjectionFlagged({}), false);
    assert.equal(isPromptInjectionFlagged({ security_flags: [], risk_score: 0.59 }), false);
    assert.equal(isPromptInjectionFlagged({ security_flags: [], risk_score: 0.6 }), true);
    assert.equal(isPromptInjectionFlagged({ security_flags: [], risk_score: 0.1 }, 0.1), true);
  });

  it("keeps the old scan shape for callers not yet moved", () => {
    assert.deepEqual(scanForPromptInjection("Write a better prompt."), {
      flagged: false,
      riskScore: 0.09999999999999999,
      patterns: ["prompt_reference"],
    });
    assert.equal(scanForPromptInjection("A useful tool.").flagged, true);
  });

  // A pattern that backtracks on these would run for hours: the test's timeout catches it. How
  // fast the scan is belongs to the benchmarks (bench/throughput.ts times the whole pipeline).
  it("finishes on hostile 1-5 MB input (no catastrophic backtracking)", () => {
    const hostile = [
      "ignore ".repeat(150_000),
      "ignore ".repeat(750_000),
      `${"ignore ".repeat(750_000)}\ninstructions`,
      `${"ignore x\n".repeat(500_000)}instructions`,
      "instructions ".repeat(400_000),
      "act ".repeat(1_250_000),
      "system ".repeat(700_000),
      "a".repeat(5_000_000),
      "\u0130\u0131\u0345".repeat(1_500_000),
    ];
    for (const text of hostile) {
      const detection = detectPromptInjection(text);
      assert.ok(Array.isArray(detection.patterns), `${text.slice(0, 20)}… (${text.length})`);
    }
  });
});
