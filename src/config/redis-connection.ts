/**
 * REDIS_URL → an ioredis client. One place reads the URL, so the worker, its start-up and health
 * probes, the threads' embedding cache, the producer and `ragworker ingest` all reach the same
 * Redis the same way, a Sentinel set included.
 *
 * Two forms:
 * - `redis://` / `rediss://`: one server, handed to ioredis as the URL it always was (ioredis
 *   parses user, password, db and its query options itself), so nothing changes for them.
 * - `redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/master-name[/db]
 *   [?sentinel_password=…&sentinel_username=…]` (`rediss+sentinel://` for TLS to both the
 *   sentinels and the data nodes): the grammar Python's redis-sentinel-url, LangChain, RedisVL and
 *   Prefect use. ioredis itself has no URL form for Sentinel (ioredis#557, #910), only its options
 *   `{ sentinels, name, … }`, which this turns the URL into. Sentinel ports default to 26379. The
 *   URL's user and password are the data nodes' (ioredis `username`/`password`), as in those
 *   libraries; sentinels that want their own password get it from `sentinel_password`. Lettuce's
 *   `redis-sentinel://` puts the master name in a query parameter and the db in the path, so it
 *   is not accepted as an alias: the same text would mean something else.
 * - `redis+cluster://[[user]:password@]host[:port][,host[:port]…]` (`rediss+cluster://` for TLS):
 *   a Redis Cluster, reached through any of the listed nodes (ports default to 6379; the others
 *   are learnt from CLUSTER SLOTS). Same multi-host authority as the Sentinel form, no path (a
 *   cluster has only database 0) and no query. The client is an ioredis `Cluster`, and every
 *   BullMQ queue on it takes the hash-tagged prefix `queuePrefix()` returns, BullMQ's documented
 *   way (docs.bullmq.io/patterns/redis-cluster): its Lua scripts touch several keys of a queue at
 *   once, which a cluster allows only when they hash to one slot.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { RedisUrlError } from "../errors/redis-url-error.js";

export { RedisUrlError };

export const DEFAULT_SENTINEL_PORT = 26379;
export const DEFAULT_CLUSTER_PORT = 6379;

/**
 * The BullMQ key prefix of every queue on a Redis Cluster: `{ragworker}:<queue>:wait`, … all hash
 * to the slot of `ragworker`. The worker and every producer must use the same prefix, or each sees
 * a queue of its own; DocumentProducer takes it from the URL like the worker does.
 */
export const CLUSTER_QUEUE_PREFIX = "{ragworker}";

const SENTINEL_SCHEMES = ["redis+sentinel:", "rediss+sentinel:"] as const;
const CLUSTER_SCHEMES = ["redis+cluster:", "rediss+cluster:"] as const;
const SERVER_SCHEMES = ["redis:", "rediss:"] as const;
/** The query parameters a Sentinel URL takes; anything else is a typo and refused. */
const SENTINEL_PARAMETERS = ["sentinel_password", "sentinel_username"] as const;

/**
 * What REDIS_URL may be, as a ConfigError and the README's configuration table say it; the
 * grammar is in the variable's description and in the README ("Redis Sentinel failover").
 */
export const REDIS_URL_EXPECTED =
  "a redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster:// URL";

export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

/** A client of either kind; BullMQ takes both as its `connection`. */
export type RedisClient = Redis | Cluster;

export type RedisTarget =
  | { readonly kind: "server"; readonly url: string }
  | {
      readonly kind: "sentinel";
      readonly sentinels: readonly SentinelAddress[];
      /** The master group name the sentinels monitor (`sentinel monitor <name> …`). */
      readonly name: string;
      readonly db: number;
      readonly tls: boolean;
      /** The data nodes' credentials. */
      readonly username?: string;
      readonly password?: string;
      /** The sentinels' own credentials, when they require any. */
      readonly sentinelUsername?: string;
      readonly sentinelPassword?: string;
    }
  | {
      readonly kind: "cluster";
      /** The seed nodes; the client learns the rest of the cluster from them. */
      readonly nodes: readonly SentinelAddress[];
      readonly tls: boolean;
      readonly username?: string;
      readonly password?: string;
    };

const schemeOf = (url: string): string => /^([a-z][a-z0-9+.-]*:)\/\//i.exec(url)?.[1]?.toLowerCase() ?? "";

/** Reads REDIS_URL; throws a RedisUrlError saying what is wrong (the password never appears). */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = schemeOf(url);
  if ((SERVER_SCHEMES as readonly string[]).includes(scheme)) {
    try {
      new URL(url);
    } catch {
      throw new RedisUrlError("not a valid URL");
    }
    return { kind: "server", url };
  }
  if ((CLUSTER_SCHEMES as readonly string[]).includes(scheme)) return parseClusterUrl(url, scheme);
  if (!(SENTINEL_SCHEMES as readonly string[]).includes(scheme)) {
    throw new RedisUrlError(
      "the scheme must be redis://, rediss://, redis+sentinel://, rediss+sentinel://, redis+cluster:// or rediss+cluster://",
    );
  }
  return parseSentinelUrl(url, scheme);
}

/** `scheme://[userinfo@]host[:port],…` and what follows the authority (path, query, fragment). */
function splitMultiHost(
  url: string,
  scheme: string,
  defaultPort: number,
): { userInfo: string | null; addresses: SentinelAddress[]; afterAuthority: string } {
  const rest = url.slice(scheme.length + 2);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const afterAuthority = authorityEnd === -1 ? "" : rest.slice(authorityEnd);
  const at = authority.lastIndexOf("@");
  const userInfo = at === -1 ? null : authority.slice(0, at);
  const hosts = at === -1 ? authority : authority.slice(at + 1);
  const addresses = hosts.split(",").map((member) => parseAddress(member, defaultPort));
  return { userInfo, addresses, afterAuthority };
}

/**
 * A cluster URL names nodes and credentials only: the nodes announce the rest, and a cluster
 * serves database 0 alone, so a path or a query would be a mistake taken silently.
 */
function parseClusterUrl(url: string, scheme: string): RedisTarget {
  const { userInfo, addresses, afterAuthority } = splitMultiHost(url, scheme, DEFAULT_CLUSTER_PORT);
  if (afterAuthority !== "" && afterAuthority !== "/") {
    throw new RedisUrlError(
      "a cluster URL takes no path, query or fragment (a cluster has database 0 only): redis+cluster://host:6379,host:6380",
    );
  }
  return {
    kind: "cluster",
    nodes: addresses,
    tls: scheme === "rediss+cluster:",
    ...(userInfo === null ? {} : parseUserInfo(userInfo)),
  };
}

/**
 * The WHATWG URL parser refuses several `host:port` pairs in one authority, so the Sentinel form
 * is split by hand: authority up to the first `/`, `?` or `#`; user info up to its last `@`.
 */
function parseSentinelUrl(url: string, scheme: string): RedisTarget {
  const {
    userInfo,
    addresses: sentinels,
    afterAuthority,
  } = splitMultiHost(url, scheme, DEFAULT_SENTINEL_PORT);
  if (afterAuthority.includes("#")) throw new RedisUrlError("a fragment (#…) is not allowed");
  const queryStart = afterAuthority.indexOf("?");
  const path = queryStart === -1 ? afterAuthority : afterAuthority.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? "" : afterAuthority.slice(queryStart + 1));

  const segments = path.split("/").slice(1);
  const [encodedName, encodedDb, ...extra] = segments;
  if (encodedName === undefined || encodedName === "") {
    throw new RedisUrlError(
      "a Sentinel URL must name the master group: redis+sentinel://host:26379/<master-name>",
    );
  }
  if (extra.length > 0) throw new RedisUrlError("the path must be /<master-name> or /<master-name>/<db>");
  const name = decode(encodedName, "the master name");
  const db = encodedDb === undefined ? 0 : parseDb(encodedDb);

  for (const key of query.keys()) {
    if (!(SENTINEL_PARAMETERS as readonly string[]).includes(key)) {
      throw new RedisUrlError(
        `unknown parameter '${key}' (a Sentinel URL takes ${SENTINEL_PARAMETERS.join(", ")})`,
      );
    }
  }
  const credentials = userInfo === null ? {} : parseUserInfo(userInfo);
  const sentinelUsername = query.get("sentinel_username");
  const sentinelPassword = query.get("sentinel_password");
  return {
    kind: "sentinel",
    sentinels,
    name,
    db,
    tls: scheme === "rediss+sentinel:",
    ...credentials,
    ...(sentinelUsername ? { sentinelUsername } : {}),
    ...(sentinelPassword ? { sentinelPassword } : {}),
  };
}

function parseAddress(member: string, defaultPort: number): SentinelAddress {
  // `[v6]:port`, `[v6]`, `host:port` or `host`.
  const match = /^\[([0-9a-f:.]+)\](?::(\d*))?$|^([^:[\]\s/@]+)(?::(\d*))?$/i.exec(member);
  if (!match) {
    throw new RedisUrlError(
      member === "" ? "an empty host address (a stray comma?)" : `'${member}' is not a host[:port]`,
    );
  }
  const host = match[1] ?? match[3] ?? "";
  const portText = match[2] ?? match[4];
  if (portText === undefined || portText === "") return { host, port: defaultPort };
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RedisUrlError(`port ${portText} of ${host} is not from 1 to 65535`);
  }
  return { host, port };
}

function parseDb(text: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > 2_147_483_647) {
    throw new RedisUrlError(`the database '${text}' is not a whole number`);
  }
  return Number(text);
}

function parseUserInfo(userInfo: string): { username?: string; password?: string } {
  const colon = userInfo.indexOf(":");
  const username = decode(colon === -1 ? userInfo : userInfo.slice(0, colon), "the user name");
  const password = colon === -1 ? "" : decode(userInfo.slice(colon + 1), "the password");
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function decode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // The text itself is not repeated: it may be a password.
    throw new RedisUrlError(`${what} has a bad percent-encoding`);
  }
}

/** Errors that mean "this node is no longer the primary": reconnect, and so ask the sentinels. */
const FAILED_OVER = /^(READONLY|UNBLOCKED)\b/;

/**
 * ioredis options for a Sentinel target. Why each one:
 * - `sentinels`/`name`/`role` (master by default): every (re)connect asks the sentinels for the
 *   current primary, and the ready check refuses a node whose INFO says it is a replica, so a
 *   reconnect after a failover lands on the new primary by itself.
 * - `reconnectOnError`: Sentinel closes the clients of a demoted primary (CLIENT KILL) when it
 *   reconfigures it, but a connection that outlives that (a partition healing, a proxy in
 *   between) would keep talking to a replica and get `READONLY` on every write, BullMQ's
 *   scripts included, forever. Returning 2 reconnects (re-asking the sentinels) and resends the
 *   refused command, which a replica did not execute; `UNBLOCKED` (a BZPOPMIN cut short by the
 *   demotion) only reconnects: BullMQ's worker loop blocks again itself.
 * - No `failoverDetector`: it would open a subscription to every sentinel from every client
 *   (the worker alone has three) only to learn earlier what the killed clients and the check
 *   above already tell.
 */
function sentinelOptions(target: Extract<RedisTarget, { kind: "sentinel" }>): RedisOptions {
  return {
    sentinels: target.sentinels.map((address) => ({ ...address })),
    name: target.name,
    db: target.db,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.sentinelUsername !== undefined ? { sentinelUsername: target.sentinelUsername } : {}),
    ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(target.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    reconnectOnError: (error) => {
      const match = FAILED_OVER.exec(error.message);
      return match === null ? false : match[1] === "READONLY" ? 2 : 1;
    },
  };
}

/**
 * ioredis `Cluster` options for a cluster target and the caller's per-connection `options`:
 * - the caller's options go to every node connection (`redisOptions`), where BullMQ also looks
 *   for `maxRetriesPerRequest: null` on a worker's cluster connection;
 * - the few that ioredis reads on the cluster itself (lazy connect, offline queue, the retry
 *   strategy, here `clusterRetryStrategy`) are passed there as well, with the same meaning;
 * - credentials and TLS from the URL apply to every node, the seeds and those learnt later.
 */
function clusterOptions(
  target: Extract<RedisTarget, { kind: "cluster" }>,
  options: RedisOptions,
): ClusterOptions {
  const { retryStrategy, enableOfflineQueue, lazyConnect, sentinelRetryStrategy, ...perNode } = options;
  void sentinelRetryStrategy; // Sentinel only; a cluster has its own (clusterRetryStrategy).
  return {
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(retryStrategy !== undefined ? { clusterRetryStrategy: retryStrategy } : {}),
    redisOptions: {
      ...perNode,
      ...(target.username !== undefined ? { username: target.username } : {}),
      ...(target.password !== undefined ? { password: target.password } : {}),
      ...(target.tls ? { tls: {} } : {}),
    },
  };
}

/**
 * A client for REDIS_URL with the caller's `options` (timeouts, retries, offline queue). The URL
 * decides where to connect; `options` never override that.
 */
export function createRedis(url: string, options: RedisOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  switch (target.kind) {
    case "server":
      return new Redis(url, options);
    case "sentinel":
      return new Redis({ ...options, ...sentinelOptions(target) });
    case "cluster":
      return new Cluster(
        target.nodes.map((node) => ({ ...node })),
        clusterOptions(target, options),
      );
  }
}

/**
 * The BullMQ `prefix` for every Queue, Worker and QueueEvents on REDIS_URL: hash-tagged on a
 * cluster, BullMQ's own default (`bull`) otherwise, so existing single-server and Sentinel
 * deployments keep their keys.
 */
export function queuePrefix(url: string): string | undefined {
  return parseRedisUrl(url).kind === "cluster" ? CLUSTER_QUEUE_PREFIX : undefined;
}

/** `{ prefix }` for a BullMQ constructor's options, or nothing where the default prefix applies. */
export function queuePrefixOption(url: string): { prefix?: string } {
  const prefix = queuePrefix(url);
  return prefix === undefined ? {} : { prefix };
}

/**
 * Options for a one-shot check (start-up ping, `ragworker health --direct`): connect when asked,
 * fail within `timeoutMs` instead of retrying. `sentinelRetryStrategy` matters with Sentinel:
 * when no sentinel answers, ioredis would otherwise keep asking them forever.
 */
export function probeRedisOptions(timeoutMs: number): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    sentinelCommandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    sentinelRetryStrategy: () => null,
  };
}
