import type { Config } from "../config/config.js";
import { askLocalReadiness, checkDependenciesDirectly } from "../ops/health-check.js";

/** Exit 0 when ready, 1 when not, with the readiness JSON on stdout. */
export async function healthCommand(config: Config, options: { direct: boolean }): Promise<void> {
  const result = options.direct
    ? await checkDependenciesDirectly(config).then((readiness) => ({ ok: readiness.ok, body: readiness }))
    : await askLocalReadiness(config);
  console.log(JSON.stringify(result.body));
  // Exit now: a refused Redis connection leaves ioredis' connect timer running for seconds, and a
  // HEALTHCHECK should answer as soon as the answer is known.
  process.exit(result.ok ? 0 : 1);
}
