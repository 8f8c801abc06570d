/** One line on stderr and a non-zero exit: what an operator reading `kubectl logs` needs. */
export function exitWithError(message: string, code = 1): never {
  process.stderr.write(`ragworker: ${message}\n`);
  process.exit(code);
}
