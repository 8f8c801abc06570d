/**
 * Flags chunks that read like instructions to a language model rather than content, so the API
 * can warn or filter before such a chunk reaches a prompt. It is a heuristic, not a guarantee:
 * paraphrases get through, and some benign text (security advice, chatbot tutorials) scores.
 *
 * Weights encode how specific a pattern is: one strong signal (an "ignore previous
 * instructions", a chat-template token) flags a chunk on its own; weaker ones (a role-play
 * phrase, "developer mode", which Chrome's docs also say) flag only together.
 *
 * Every regex is linear on its input: no nested quantifiers, and every wildcard run is bounded,
 * so a hostile 5 MB document cannot stall a thread. Slugs are metric label values
 * (`rag_prompt_injection_detected_total{pattern}`): add new ones, never rename.
 */

export const PROMPT_INJECTION_THRESHOLD = 0.5;

export interface PromptInjectionPattern {
  readonly slug: string;
  readonly weight: number;
  readonly regex: RegExp;
}

export interface PromptInjectionScan {
  flagged: boolean;
  /** Sum of the matched patterns' weights, capped at 1, rounded to 2 decimals. */
  riskScore: number;
  /** Slugs of the matched patterns, sorted. */
  patterns: string[];
}

export const PROMPT_INJECTION_PATTERNS: readonly PromptInjectionPattern[] = [
  {
    slug: "ignore_previous_instructions",
    weight: 0.6,
    regex:
      /\b(?:ignore|disregard|forget|skip|override)\s+(?:(?:all|any|every|the|your|my|of|these|those)\s+){0,3}(?:previous|prior|preceding|above|earlier|former|foregoing|original|initial)\s+(?:(?:system|developer|user)\s+)?(?:instructions?|prompts?|directions|directives|guidelines|rules|messages?|commands|context)\b|\b(?:ignore|disregard|forget)\s+(?:everything|anything|all)\s+(?:(?:said|written|stated)\s+)?(?:above|before|previously|so\s+far)\b/i,
  },
  {
    slug: "disregard_rules",
    weight: 0.4,
    regex:
      /\b(?:disregard|ignore|bypass|circumvent|override|violate|abandon|suspend)\s+(?:(?:all|any|every|the|your|of|its|these|those|safety|content|ethical|moral)\s+){0,3}(?:rules|guidelines|guardrails|restrictions|policies|safeguards|limitations|constraints|principles|programming|instructions)\b/i,
  },
  {
    slug: "system_prompt_reveal",
    weight: 0.5,
    regex:
      /\b(?:reveal|show|print|repeat|display|output|disclose|leak|dump|recite|tell\s+me|give\s+me|share)\s+(?:me\s+)?(?:(?:your|the|its|all|of|full|entire|complete|exact|verbatim)\s+){0,3}(?:system\s+(?:prompt|message|instructions)|(?:initial|original|hidden|secret|internal)\s+(?:prompt|instructions))\b|\b(?:reveal|show|print|repeat|disclose|recite|tell\s+me|give\s+me)\s+(?:me\s+)?your\s+(?:(?:full|entire|complete|exact)\s+)?(?:prompt|instructions)\b|\bwhat\s+(?:is|are|was|were)\s+your\s+(?:(?:system|initial|original|hidden|secret)\s+)?(?:prompt|instructions)\b/i,
  },
  {
    slug: "role_override",
    weight: 0.35,
    // A role keyword is required: "you are now logged in" and "act as a reverse proxy" are docs.
    regex:
      /\b(?:you\s+are\s+now|from\s+now\s+on,?\s+you\s+are|pretend\s+(?:to\s+be|you\s+are|that\s+you\s+are)|act\s+as|role-?play\s+as|behave\s+as|impersonate)\s+(?:(?:a|an|the|my|if|you\s+were|though|your)\s+){0,2}(?:[\w-]+\s+){0,3}?(?:ai|assistant|chatbot|bot|model|llm|character|persona|hacker|dan|gpt|chatgpt|unrestricted|unfiltered|uncensored|jailbroken|evil|different)\b|\bfrom\s+now\s+on,?\s+you\s+(?:will|must|shall)\s+(?:only\s+)?(?:respond|answer|reply|act|behave|obey)\b/i,
  },
  {
    slug: "developer_mode",
    weight: 0.3,
    regex:
      /\b(?:enable|enter|activate|switch\s+(?:in)?to|turn\s+on|unlock|engage)\s+(?:the\s+)?(?:developer|dev|god|sudo|unrestricted|dan)\s+mode\b|\b(?:developer|god|dan|sudo)\s+mode\s+(?:is\s+)?(?:enabled|activated|on|unlocked)\b/i,
  },
  {
    slug: "jailbreak",
    weight: 0.4,
    regex:
      /\bjailbr(?:eak(?:s|ing|ed)?|oken)\b|\bdo\s+anything\s+now\b|\bdan\s+(?:mode|prompt)\b|\bstay\s+in\s+character\b|\b(?:without|free\s+(?:of|from)|no)\s+(any\s+)?(?:ethical|moral|content|safety)\s+(?:guidelines|restrictions|constraints|filters|limits|limitations|boundaries)\b/i,
  },
  {
    slug: "exfiltrate_secrets",
    weight: 0.45,
    regex:
      /\b(?:reveal|show|print|send|give|tell|output|leak|share|list|dump|expose|email|post|upload|forward|paste|display)\s+(?:me\s+|us\s+)?(?:(?:all|any|the|your|of|its|my|stored|saved|current|admin|user|system|database|secret|private)\s+){0,3}(?:api[\s_-]?keys?|secret\s+keys?|secrets|passwords?|credentials|access\s+tokens?|auth(?:entication)?\s+tokens?|bearer\s+tokens?|private\s+keys?|ssh\s+keys?|env(?:ironment)?\s+variables|session\s+cookies?)\b/i,
  },
  {
    slug: "hidden_instruction_markup",
    weight: 0.5,
    // Chat-template tokens have no business in a document; an HTML comment is invisible once
    // rendered, so one that addresses a model is an instruction hidden from the human reader.
    regex:
      /<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[\/?INST\]|<<\/?SYS>>|<!--[^>]{0,120}?\b(?:ignore|disregard|assistant|ai|llm|chatgpt|gpt|claude|language\s+model|system\s+prompt)\b/i,
  },
  {
    slug: "tool_call_injection",
    weight: 0.5,
    regex:
      /<\/?(?:tool_call|tool_calls|tool_use|function_call|function_calls)\b|"(?:tool_calls?|function_call)"\s*:|\b(?:call|invoke|use|run|execute)\s+(?:the\s+)?[\w.-]{1,40}\s+(?:tool|function|plugin)\s+to\s+(?:send|email|post|upload|forward|transfer|exfiltrate|delete|wire)\b/i,
  },
];

export const PROMPT_INJECTION_SLUGS: readonly string[] = PROMPT_INJECTION_PATTERNS.map(
  (pattern) => pattern.slug,
);

// Zero-width characters and soft hyphens are invisible and split words ("ig\u200Bnore"), the
// cheapest way to slip past a regex; none of them changes what a model reads.
const INVISIBLE_CHARACTERS = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/g;

export function scanForPromptInjection(text: string): PromptInjectionScan {
  const visible = text.replace(INVISIBLE_CHARACTERS, "");
  const matched = new Set<string>();
  let weightSum = 0;
  for (const { slug, weight, regex } of PROMPT_INJECTION_PATTERNS) {
    if (!matched.has(slug) && regex.test(visible)) {
      matched.add(slug);
      weightSum += weight;
    }
  }
  // Rounded so 0.35 + 0.3 reads 0.65 in chunk metadata, and compares as such to the threshold.
  const riskScore = Math.round(Math.min(1, weightSum) * 100) / 100;
  return {
    flagged: riskScore >= PROMPT_INJECTION_THRESHOLD,
    riskScore,
    patterns: [...matched].sort(),
  };
}
