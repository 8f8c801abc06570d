/** A REDIS_URL that names neither a server nor a Sentinel set; `reason` says what is wrong. */
export class RedisUrlError extends Error {
  readonly reason: string;

  constructor(reason: string) {
    // The URL itself is never repeated: it may hold a password.
    super(`REDIS_URL: ${reason}`);
    this.name = "RedisUrlError";
    this.reason = reason;
  }
}
