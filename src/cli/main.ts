#!/usr/bin/env node
import { Command } from "commander";
import { ConfigError } from "../errors/config-error.js";
import { loadConfig, type Config } from "../config/config.js";
import { withEnvFile } from "../config/env-file.js";
import { exitWithError } from "./exit-with-error.js";
import { fairnessWeightCommand } from "./fairness-command.js";
import { healthCommand } from "./health-command.js";
import { ingestCommand } from "./ingest-command.js";
import { migrateCommand } from "./migrate-command.js";
import { startCommand } from "./start-command.js";

function config(): Config {
  try {
    return loadConfig(withEnvFile(process.env));
  } catch (error) {
    if (error instanceof ConfigError) exitWithError(error.message);
    throw error;
  }
}

const program = new Command()
  .name("ragworker")
  .description("Ingestion worker for RAG backends: queue jobs in, chunks with embeddings in PostgreSQL out.");

program
  .command("start")
  .description("run the worker until SIGTERM/SIGINT")
  .action(() => startCommand(config()));

program
  .command("migrate")
  .description("create or upgrade the database schema (idempotent)")
  .action(() => migrateCommand(config()));

program
  .command("health")
  .description("exit 0 when the worker is ready, 1 when not; prints the readiness JSON")
  .option("--direct", "check Redis and PostgreSQL from here instead of asking the worker's /readyz", false)
  .action((options: { direct: boolean }) => healthCommand(config(), options));

program
  .command("ingest")
  .description("store files, enqueue them, and follow them until READY or FAILED")
  .argument("<paths...>", "files or directories (walked recursively) to ingest")
  .option("--workspace <name>", "workspace to put the documents in (created if missing)", "default")
  .option("--timeout <seconds>", "give up waiting after this many seconds", "600")
  .option(
    "--bulk",
    "enqueue in the bulk lane (an import): interactive work goes first; aging keeps it moving",
    false,
  )
  .action((paths: string[], options: { workspace: string; timeout: string; bulk: boolean }) =>
    ingestCommand(config(), paths, {
      workspace: options.workspace,
      timeoutSeconds: Number(options.timeout),
      lane: options.bulk ? "bulk" : "interactive",
    }),
  );

program
  .command("fairness")
  .description("tenant fairness settings kept in Redis")
  .command("weight")
  .description("set (or with no weight, print) a workspace's share of the worker; 2 = twice the default's")
  .argument("<workspace-id>", "the workspace id the jobs carry")
  .argument("[weight]", "a positive number")
  .option("--clear", "back to QUEUE_DEFAULT_WEIGHT", false)
  .action((workspaceId: string, weight: string | undefined, options: { clear: boolean }) =>
    fairnessWeightCommand(config(), workspaceId, weight, options),
  );

await program.parseAsync();
