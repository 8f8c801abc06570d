/**
 * What the deployment files (compose, Kubernetes) are checked against: the variables the worker
 * really reads, and the commands its CLI really has.
 */
import { execFileSync } from "node:child_process";
import { loadConfig } from "../../src/config/config.js";
import { CLI_PATH } from "./worker-process.js";

/**
 * Not read by loadConfig but by the AWS SDK's credential chain, which S3 storage uses: a
 * deployment may set these too.
 */
export const AWS_CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
] as const;

/** Every variable loadConfig reads, found by letting it read from an environment that records. */
export function configVariables(): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy<Record<string, string | undefined>>(
    {},
    {
      get(_target, name) {
        if (typeof name === "string") read.add(name);
        return undefined;
      },
    },
  );
  loadConfig(recording);
  return read;
}

/** The variables a deployment may set: the worker's own and the credential chain's. */
export function deployableVariables(): Set<string> {
  return new Set([...configVariables(), ...AWS_CREDENTIAL_VARIABLES]);
}

/** The subcommands of the built CLI, from its own `--help`. */
export function cliCommands(): Set<string> {
  const help = execFileSync(process.execPath, [CLI_PATH, "--help"], { encoding: "utf8" });
  const section = help.split(/^Commands:$/m)[1] ?? "";
  const names = [...section.matchAll(/^ {2}(\w[\w-]*)/gm)].map((match) => match[1] ?? "");
  return new Set(names.filter((name) => name !== "help"));
}

/** The usage line `ragworker <command> --help` prints: proves the command parses its arguments. */
export function commandUsage(command: string): string {
  const help = execFileSync(process.execPath, [CLI_PATH, command, "--help"], { encoding: "utf8" });
  return help.split("\n")[0] ?? "";
}

/** Compose and Kubernetes durations: "40s", "1m30s", "500ms", "2h". */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== text) {
    throw new Error(`not a duration: ${text}`);
  }
  return parts.reduce((sum, part) => sum + Number(part[1]) * (units[part[2] ?? ""] ?? NaN), 0);
}
