/**
 * Benchmark modules that Node must load as plain JavaScript, transpiled here into bench/.compiled/:
 * - the runtime probe, preloaded with `--import` into the ragworker process under test, which runs
 *   the build without a TypeScript loader and should stay that way;
 * - BullMQ's sandboxed processor and the pipeline it builds: on Node 20 a TypeScript loader
 *   registered with `--import tsx` does not reach worker threads, so BullMQ's threads need JavaScript.
 * Each transpiles on its own (type-only imports from src vanish). bench/.compiled/ sits at the
 * same depth as bench/contenders/, so their `../../dist/` imports resolve the same.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const OUT_DIR = new URL("../.compiled/", import.meta.url);
const MODULES = [
  "probe/runtime-probe.ts",
  "contenders/compiled-pipeline.ts",
  "contenders/sandboxed-processor.ts",
  // The machine's ceiling: bare worker_threads doing the pipeline's CPU work (measure/cpu-ceiling.ts).
  "probe/ceiling-thread.ts",
];

export interface CompiledBenchModules {
  /** For `node --import`. */
  readonly probeUrl: string;
  /** For BullMQ's sandboxed Worker. */
  readonly sandboxedProcessorPath: string;
  /** For the ceiling's bare worker threads. */
  readonly ceilingThreadPath: string;
}

export async function compileBenchModules(): Promise<CompiledBenchModules> {
  await mkdir(OUT_DIR, { recursive: true });
  for (const module of MODULES) {
    const source = await readFile(new URL(`../${module}`, import.meta.url), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    const name = module.slice(module.lastIndexOf("/") + 1).replace(/\.ts$/, ".js");
    await writeFile(new URL(name, OUT_DIR), outputText);
  }
  return {
    probeUrl: new URL("runtime-probe.js", OUT_DIR).href,
    sandboxedProcessorPath: fileURLToPath(new URL("sandboxed-processor.js", OUT_DIR)),
    ceilingThreadPath: fileURLToPath(new URL("ceiling-thread.js", OUT_DIR)),
  };
}
