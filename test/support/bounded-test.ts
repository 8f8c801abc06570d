/**
 * `node:test` with a timeout on every test and hook. Test files import `describe`, `it`, `test`,
 * `before` and `after` from here, never from "node:test" (test/support/suite-rules.test.ts checks).
 *
 * Why here and not only `--test-timeout`: on Node 20 that flag bounds each test *file* (the
 * runner's subtest per file, see scripts/test.sh) and does not reach the tests inside it, and a
 * hook never inherits a timeout from anything. A test or hook that names its own `timeout` keeps it.
 *
 * The defaults: the slowest ordinary test took 43 s in a full run on a loaded 2-core machine
 * (629 s suite, 4 times the usual); 180 s is four times that. The two slower tests (the Dockerfile
 * replay, ~240 s loaded; the deeply nested markup, ~140 s loaded) set their own.
 * `describe` is node's own: a suite's timeout would bound all its tests together.
 */
import * as nodeTest from "node:test";
import type { HookFn, HookOptions, TestFn, TestOptions } from "node:test";

export const TEST_TIMEOUT_MS = 180_000;
export const HOOK_TIMEOUT_MS = 180_000;

export const describe = nodeTest.describe;

function bounded(
  run: (name: string, options: TestOptions, fn: TestFn) => Promise<void>,
): (name: string, optionsOrFn: TestOptions | TestFn, fn?: TestFn) => Promise<void> {
  return (name, optionsOrFn, fn) => {
    const options = typeof optionsOrFn === "function" ? {} : optionsOrFn;
    const body = typeof optionsOrFn === "function" ? optionsOrFn : fn;
    if (!body) throw new Error(`test "${name}" has no function`);
    return run(name, { timeout: TEST_TIMEOUT_MS, ...options }, body);
  };
}

/** `it(name, fn)` or `it(name, options, fn)`, with `timeout: TEST_TIMEOUT_MS` unless given. */
export const it = bounded((name, options, fn) => nodeTest.it(name, options, fn));
/** The same as `it`. */
export const test = bounded((name, options, fn) => nodeTest.test(name, options, fn));

/** `before(fn)`, with `timeout: HOOK_TIMEOUT_MS` unless given. */
export function before(fn: HookFn, options: HookOptions = {}): void {
  nodeTest.before(fn, { timeout: HOOK_TIMEOUT_MS, ...options });
}

/** `after(fn)`, with `timeout: HOOK_TIMEOUT_MS` unless given. */
export function after(fn: HookFn, options: HookOptions = {}): void {
  nodeTest.after(fn, { timeout: HOOK_TIMEOUT_MS, ...options });
}
