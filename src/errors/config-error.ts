import { maskUrl } from "../config/mask-url.js";

/**
 * Shows a rejected value, except a URL's password or secret parameters (`?sentinel_password=`):
 * a typo must not leak a secret into logs.
 */
function shown(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/]*@|[^?#]*\?)/i.test(value) ? maskUrl(value) : value;
}

/** A bad environment variable: the process prints this one line and exits. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, expected: string, got: string | undefined) {
    super(
      `${variable}: expected ${expected}, got ${got === undefined ? "nothing" : JSON.stringify(shown(got))}`,
    );
    this.name = "ConfigError";
    this.variable = variable;
  }
}
