import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

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
  prettier,
);
