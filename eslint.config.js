import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

/**
 * The folders' boundaries (README, "Design"): what each folder of src/ must not import. The
 * supervisor orchestrates (it never parses, chunks or embeds) and talks to the threads only
 * through src/protocol/; ops owns the types it counts; the pipeline's parts know nothing of who
 * runs them. A crossing fails `npm run lint`, hence `npm test`.
 */
const FOLDERS = [
  "chunk",
  "cli",
  "config",
  "db",
  "embed",
  "errors",
  "extract",
  "fairness",
  "logging",
  "models",
  "ocr",
  "ops",
  "producer",
  "protocol",
  "safety",
  "storage",
  "supervisor",
  "telemetry",
  "text",
  "threads",
  "tools",
];
const BOUNDARIES = {
  supervisor: {
    allowed: [
      "config",
      "db",
      "errors",
      "fairness",
      "logging",
      "models",
      "ocr",
      "ops",
      "producer",
      "protocol",
      "telemetry",
      "tools",
    ],
    why: "the supervisor orchestrates: it never parses, chunks or embeds (ocr: it checks the OCR tools at start; fairness: it gives a job added without a priority its fair one), and reaches threads only through src/protocol/",
  },
  ops: {
    allowed: ["config", "db", "logging", "safety", "text"],
    why: "ops counts and serves what the supervisor gives it, in types ops owns (JobOutcome)",
  },
  threads: {
    allowed: [
      "chunk",
      "config",
      "db",
      "embed",
      "errors",
      "extract",
      "logging",
      "protocol",
      "safety",
      "storage",
      "telemetry",
      "text",
    ],
    why: "threads run the pipeline and answer through src/protocol/; they know nothing of the supervisor or ops",
  },
  protocol: {
    allowed: ["config", "db", "errors"],
    why: "the protocol is data both sides share: it depends on neither side",
  },
  extract: {
    allowed: ["config", "errors", "ocr", "tools"],
    why: "a pipeline part knows nothing of who runs it",
  },
  ocr: {
    allowed: ["config", "errors", "tools"],
    why: "OCR runs tools on bytes: it knows nothing of who runs it",
  },
  tools: {
    allowed: ["errors"],
    why: "running a command-line tool within bounds knows nothing of what it is for (errors: a refused temporary file is retryable)",
  },
  chunk: {
    allowed: ["config", "errors", "extract", "text"],
    why: "a pipeline part knows nothing of who runs it",
  },
  embed: {
    allowed: ["config", "errors", "logging", "protocol", "text"],
    why: "a pipeline part knows nothing of who runs it (protocol: the shared embedding semaphore)",
  },
  db: {
    allowed: ["config", "errors", "logging", "text"],
    why: "a pipeline part knows nothing of who runs it",
  },
  storage: { allowed: ["config", "errors"], why: "a pipeline part knows nothing of who runs it" },
  producer: { allowed: ["config", "fairness"], why: "the producer only enqueues jobs (fairly)" },
  fairness: { allowed: ["config"], why: "fair priorities are Redis state and a script: a leaf" },
  models: { allowed: ["errors"], why: "the model download only fetches files" },
  config: {
    allowed: ["chunk", "embed", "errors", "logging", "storage", "text"],
    why: "configuration is read first and knows nothing of the processes that use it",
  },
  errors: { allowed: ["config", "text"], why: "error classes are leaves" },
  logging: { allowed: ["errors"], why: "logging is a leaf" },
  telemetry: {
    allowed: ["config", "logging"],
    why: "tracing starts and ends spans for whoever runs a job: it knows nothing of the pipeline or the queue",
  },
  text: { allowed: [], why: "text helpers are leaves" },
  safety: { allowed: [], why: "the prompt-injection scan is a leaf" },
};

function boundaryRules() {
  return Object.entries(BOUNDARIES).map(([folder, { allowed, why }]) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: FOLDERS.filter((other) => other !== folder && !allowed.includes(other)).map((other) => ({
            group: [`../${other}/*`, `../../${other}/*`],
            message: `src/${folder}/ must not import src/${other}/: ${why}.`,
          })),
        },
      ],
    },
  }));
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".ragworker/", "data/", "bench-results/", "bench/.compiled/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "error",
    },
  },
  {
    // The CLI and scripts talk to a person on a terminal.
    files: [
      "src/cli/**/*.ts",
      "scripts/**/*.ts",
      "bench/**/*.ts",
      "faults/**/*.ts",
      "fuzz/**/*.ts",
      "test/**/*.ts",
    ],
    rules: { "no-console": "off" },
  },
  ...boundaryRules(),
  prettier,
);
