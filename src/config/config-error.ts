/** A bad environment variable: the process prints this one line and exits. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, expected: string, got: string | undefined) {
    super(`${variable}: expected ${expected}, got ${got === undefined ? "nothing" : JSON.stringify(got)}`);
    this.name = "ConfigError";
    this.variable = variable;
  }
}
