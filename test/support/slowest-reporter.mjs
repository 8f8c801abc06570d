/**
 * A `node --test` reporter that prints the ten slowest tests of the run, beside `spec`
 * (scripts/test.sh loads both, this one first, to stdout). It prints them when the run's summary
 * starts, so spec's closing lines ("ℹ tests N", "ℹ pass N", "ℹ fail N", …) still come last.
 *
 * Tests only: suites are left out (a suite's time is its tests' plus its hooks').
 */
import { relative } from "node:path";
import process from "node:process";

const COUNT = 10;

/** @param {AsyncIterable<{ type: string, data: Record<string, unknown> }>} source */
export default async function* slowestReporter(source) {
  // The runner reports each file's tests in order (files never interleave here), and `test:start`
  // comes in definition order: one stack of open suites names each test's path. A test's own
  // `file` is where `it` was called (test/support/bounded-test.ts), so the file comes from its
  // top-level suite, whose `describe` is node's own.
  /** @type {Array<{ name: string, file: string }>} */
  const stack = [];
  /** @type {Array<{ ms: number, name: string, file: string, failed: boolean }>} */
  const tests = [];
  let printed = false;

  for await (const event of source) {
    const data = event.data;
    const nesting = typeof data.nesting === "number" ? data.nesting : 0;
    const name = String(data.name ?? "");
    const file = typeof data.file === "string" ? relative(process.cwd(), data.file) : "";
    if (event.type === "test:start") {
      stack.length = nesting;
      stack.push({ name, file });
    } else if (event.type === "test:pass" || event.type === "test:fail") {
      const details = /** @type {{ duration_ms?: number, type?: string }} */ (data.details ?? {});
      // The runner's own entry per file (named by the file's path) is not a test either.
      if (details.type === "suite" || typeof details.duration_ms !== "number" || name === data.file) continue;
      const path = stack.slice(0, nesting).map((suite) => suite.name);
      tests.push({
        ms: details.duration_ms,
        name: [...path, name].join(" › "),
        file: (nesting > 0 ? stack[0]?.file : file) ?? "",
        failed: event.type === "test:fail",
      });
    } else if (!printed && event.type === "test:plan" && nesting === 0 && !data.file) {
      // The run's own plan, just before its summary ("ℹ tests N", …).
      printed = true;
      yield table(tests);
    }
  }
  if (!printed) yield table(tests);
}

/** @param {Array<{ ms: number, name: string, file: string, failed: boolean }>} tests */
function table(tests) {
  const slowest = [...tests].sort((a, b) => b.ms - a.ms).slice(0, COUNT);
  const lines = slowest.map(
    (test) =>
      `  ${(test.ms / 1000).toFixed(1).padStart(7)} s  ${test.failed ? "✖ " : ""}${test.name}` +
      (test.file ? `  (${test.file})` : ""),
  );
  return `\nslowest ${slowest.length} of ${tests.length} tests:\n${lines.join("\n")}\n\n`;
}
