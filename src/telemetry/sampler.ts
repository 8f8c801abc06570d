import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
} from "@opentelemetry/sdk-trace";
import type { TelemetrySettings } from "../config/telemetry-settings.js";

/**
 * OTEL_TRACES_SAMPLER and its argument as an SDK sampler. The SDK's tracer provider no longer
 * reads them from the environment itself, and the mapping is the specification's six names.
 */
export function samplerFor(settings: Pick<TelemetrySettings, "tracesSampler" | "tracesSamplerArg">): Sampler {
  const ratio = () => new TraceIdRatioBasedSampler(settings.tracesSamplerArg ?? 1);
  switch (settings.tracesSampler) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio();
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio() });
  }
}
