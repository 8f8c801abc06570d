/**
 * The settings are declared once (src/config/*-settings.ts): the README's configuration table is
 * rendered from them, and loadConfig reads nothing undeclared. A README edited by hand, or a
 * setting added without its row, fails here; `UPDATE_CONFIG_TABLE=1 node --import tsx --test
 * test/config/config-table.test.ts` rewrites the table.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "../support/bounded-test.js";
import { fileURLToPath } from "node:url";
import { format } from "prettier";

import { configTableRows, readConfigTable, withConfigTable } from "../../src/config/config-table.js";
import { defaultConfig, loadConfig, type Env } from "../../src/config/config.js";
import { SETTINGS } from "../../src/config/settings.js";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));

/** Every variable loadConfig looks at, given `env`. */
function variablesRead(env: Env = {}): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get(_target, name) {
        if (typeof name === "string") read.add(name);
        return typeof name === "string" ? env[name] : undefined;
      },
    },
  );
  loadConfig(recording);
  return read;
}

describe("the settings table", () => {
  if (process.env["UPDATE_CONFIG_TABLE"] === "1") {
    it("rewrites the README's configuration table", async () => {
      const readme = readFileSync(README, "utf8");
      writeFileSync(README, await format(withConfigTable(readme), { filepath: README }));
    });
  }

  it("is what the README's configuration table says, row by row", () => {
    const documented = readConfigTable(readFileSync(README, "utf8"));
    const declared = configTableRows();
    const names = (rows: string[][]) => rows.map((row) => row[0]);
    assert.deepEqual(
      names(documented),
      names(declared),
      "the README lists other variables, or in another order",
    );
    for (const [index, row] of declared.entries()) {
      assert.deepEqual(
        documented[index],
        row,
        `README row for ${row[0]} (UPDATE_CONFIG_TABLE=1 rewrites it)`,
      );
    }
  });

  it("declares each variable once", () => {
    const names = SETTINGS.map((setting) => setting.name);
    assert.deepEqual(
      names.filter((name, index) => names.indexOf(name) !== index),
      [],
    );
  });

  it("declares every variable loadConfig reads, in every mode", () => {
    const declared = new Set(SETTINGS.map((setting) => setting.name));
    const modes: Env[] = [
      {},
      { CHUNK_TOKENS: "200" },
      { S3_ENDPOINT_URL: "http://minio:9000" },
      { EMBEDDING_PROVIDER: "google", GOOGLE_API_KEY: "k" },
    ];
    for (const env of modes) {
      const read = variablesRead(env);
      assert.deepEqual(
        [...read].filter((name) => !declared.has(name)),
        [],
        `undeclared variables read with ${JSON.stringify(env)}`,
      );
    }
  });

  it("parses every declared default", () => {
    for (const setting of SETTINGS) setting.read({});
    assert.equal(defaultConfig().chunkOverlap, 120);
  });
});
