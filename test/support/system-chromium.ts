/**
 * Debian's Chromium (`apt-get install chromium`, which `bash scripts/services.sh test-tools`
 * installs), driven by playwright-core. Never a downloaded browser: playwright-core has none, and
 * the tests launch /usr/bin/chromium by path. A machine without it fails the test that needs it,
 * naming the package; nothing is skipped.
 */
import { access, constants } from "node:fs/promises";
import { chromium, type Browser } from "playwright-core";
import { within } from "./waits.js";

export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

/** No network of its own (updates, sync, field trials, QUIC probes), so it only talks to the test's servers. */
const QUIET_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

export interface SystemChromium {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchSystemChromium(): Promise<SystemChromium> {
  try {
    await access(SYSTEM_CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(
      `${SYSTEM_CHROMIUM} is missing: install Debian's chromium package (bash scripts/services.sh test-tools, or apt-get install chromium)`,
    );
  }
  // Playwright gives each launch a fresh profile of its own (a temporary --user-data-dir it
  // removes at close), so no state carries over between runs.
  const browser = await within(
    chromium.launch({
      executablePath: SYSTEM_CHROMIUM,
      headless: true,
      args: QUIET_ARGS,
    }),
    `${SYSTEM_CHROMIUM} to start`,
    60_000,
  );
  return {
    browser,
    async close() {
      await within(browser.close(), "chromium to close", 30_000);
    },
  };
}
