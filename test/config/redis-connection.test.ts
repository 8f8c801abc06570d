import assert from "node:assert/strict";
import { describe, it } from "../support/bounded-test.js";

import { loadConfig } from "../../src/config/config.js";
import { ConfigError } from "../../src/config/config-error.js";
import { maskUrl } from "../../src/config/mask-url.js";
import { Cluster, Redis } from "ioredis";
import {
  CLUSTER_QUEUE_PREFIX,
  createRedis,
  parseRedisUrl,
  probeRedisOptions,
  queuePrefix,
  queuePrefixOption,
  RedisUrlError,
  type RedisClient,
} from "../../src/config/redis-connection.js";

/** The client of a one-server or Sentinel URL: a plain ioredis `Redis`. */
function single(client: RedisClient): Redis {
  assert.ok(client instanceof Redis, "a redis:// or Sentinel URL gives a Redis client");
  return client;
}

function cluster(client: RedisClient): Cluster {
  assert.ok(client instanceof Cluster, "a cluster URL gives a Cluster client");
  return client;
}

describe("parseRedisUrl: one server", () => {
  for (const url of [
    "redis://127.0.0.1:6379",
    "rediss://:pw@redis.internal:6380/2",
    "redis://u:p@h/1?family=6",
  ]) {
    it(`${url} is handed to ioredis as it is`, () => {
      assert.deepEqual(parseRedisUrl(url), { kind: "server", url });
    });
  }

  it("a plain URL's client is the one ioredis builds from the URL itself", () => {
    const redis = single(createRedis("redis://:pw@redis.internal:6380/2", { lazyConnect: true }));
    try {
      assert.equal(redis.options.host, "redis.internal");
      assert.equal(redis.options.port, 6380);
      assert.equal(redis.options.password, "pw");
      assert.equal(redis.options.db, 2);
      assert.equal(redis.options.sentinels, null);
      // No failover handling is added to a single server: it behaves exactly as before.
      assert.equal(redis.options.reconnectOnError, null);
    } finally {
      redis.disconnect();
    }
  });
});

describe("parseRedisUrl: a Sentinel set", () => {
  it("reads sentinels, master name, db and both sets of credentials", () => {
    assert.deepEqual(
      parseRedisUrl(
        "redis+sentinel://app:p%40ss@s1.internal:26380,s2.internal,[::1]:26381/mymaster/3?sentinel_password=sp&sentinel_username=su",
      ),
      {
        kind: "sentinel",
        sentinels: [
          { host: "s1.internal", port: 26380 },
          { host: "s2.internal", port: 26379 },
          { host: "::1", port: 26381 },
        ],
        name: "mymaster",
        db: 3,
        tls: false,
        username: "app",
        password: "p@ss",
        sentinelUsername: "su",
        sentinelPassword: "sp",
      },
    );
  });

  it("takes a password alone, db 0 by default, and TLS with rediss+sentinel://", () => {
    assert.deepEqual(parseRedisUrl("rediss+sentinel://:pw@127.0.0.1:26379/cache"), {
      kind: "sentinel",
      sentinels: [{ host: "127.0.0.1", port: 26379 }],
      name: "cache",
      db: 0,
      tls: true,
      password: "pw",
    });
    assert.deepEqual(parseRedisUrl("REDIS+SENTINEL://h/m%20one"), {
      kind: "sentinel",
      sentinels: [{ host: "h", port: 26379 }],
      name: "m one",
      db: 0,
      tls: false,
    });
  });

  it("gives ioredis its Sentinel options, and reconnects on READONLY (resending) and UNBLOCKED", () => {
    const redis = single(
      createRedis("redis+sentinel://:pw@h1:26380,h2/mymaster/2?sentinel_password=sp", {
        lazyConnect: true,
        maxRetriesPerRequest: null,
      }),
    );
    try {
      const options = redis.options;
      assert.deepEqual(options.sentinels, [
        { host: "h1", port: 26380 },
        { host: "h2", port: 26379 },
      ]);
      assert.equal(options.name, "mymaster");
      assert.equal(options.role, "master");
      assert.equal(options.db, 2);
      assert.equal(options.password, "pw");
      assert.equal(options.sentinelPassword, "sp");
      assert.equal(options.maxRetriesPerRequest, null);
      assert.equal(options.tls, undefined);
      const reconnect = options.reconnectOnError;
      assert.ok(reconnect);
      assert.equal(reconnect(new Error("READONLY You can't write against a read only replica.")), 2);
      assert.equal(reconnect(new Error("UNBLOCKED force unblock from blocking operation")), 1);
      assert.equal(reconnect(new Error("ERR unknown command")), false);
    } finally {
      redis.disconnect();
    }
  });

  it("turns TLS on for the sentinels and the data nodes with rediss+sentinel://", () => {
    const redis = single(createRedis("rediss+sentinel://h1/mymaster", { lazyConnect: true }));
    try {
      assert.deepEqual(redis.options.tls, {});
      assert.deepEqual(redis.options.sentinelTLS, {});
      assert.equal(redis.options.enableTLSForSentinelMode, true);
    } finally {
      redis.disconnect();
    }
  });

  const malformed: ReadonlyArray<readonly [string, RegExp]> = [
    ["redis+sentinel://h1:26379,h2:26379", /name the master group/],
    ["redis+sentinel://h1:26379/", /name the master group/],
    ["redis+sentinel://h1,,h2/m", /empty host address/],
    ["redis+sentinel://h1:99999/m", /port 99999 of h1 is not from 1 to 65535/],
    ["redis+sentinel://h1:0/m", /port 0/],
    ["redis+sentinel://h1/m/x", /database 'x'/],
    ["redis+sentinel://h1/m/1/2", /the path must be/],
    ["redis+sentinel://h1/m?db=2", /unknown parameter 'db'/],
    ["redis+sentinel://h1/m#x", /fragment/],
    ["redis+sentinel://:%E0%A4%A@h1/m", /password has a bad percent-encoding/],
    ["redis-sentinel://h1/m", /the scheme must be/],
    ["http://h1/m", /the scheme must be/],
    ["h1:26379", /the scheme must be/],
    ["redis://[::1/", /not a valid URL/],
  ];
  for (const [url, reason] of malformed) {
    it(`refuses ${url}, saying why`, () => {
      assert.throws(
        () => parseRedisUrl(url),
        (error: unknown) => error instanceof RedisUrlError && reason.test(error.reason),
      );
    });
  }
});

describe("parseRedisUrl: a Redis Cluster", () => {
  it("reads the seed nodes (port 6379 by default) and the nodes' credentials", () => {
    assert.deepEqual(parseRedisUrl("redis+cluster://app:p%40ss@n1.internal:7000,n2.internal,[::1]:7002"), {
      kind: "cluster",
      nodes: [
        { host: "n1.internal", port: 7000 },
        { host: "n2.internal", port: 6379 },
        { host: "::1", port: 7002 },
      ],
      tls: false,
      username: "app",
      password: "p@ss",
    });
    assert.deepEqual(parseRedisUrl("REDISS+CLUSTER://n1:7000/"), {
      kind: "cluster",
      nodes: [{ host: "n1", port: 7000 }],
      tls: true,
    });
  });

  it("gives a Cluster client the caller's options on every node, and the URL's credentials and TLS", () => {
    const redis = cluster(
      createRedis("rediss+cluster://u:pw@n1:7000,n2:7001", {
        lazyConnect: true,
        maxRetriesPerRequest: null,
        enableOfflineQueue: false,
      }),
    );
    try {
      assert.equal(redis.options.lazyConnect, true);
      assert.equal(redis.options.enableOfflineQueue, false);
      // Where BullMQ looks for a worker connection's maxRetriesPerRequest: null on a cluster.
      assert.equal(redis.options.redisOptions?.maxRetriesPerRequest, null);
      assert.equal(redis.options.redisOptions?.username, "u");
      assert.equal(redis.options.redisOptions?.password, "pw");
      assert.deepEqual(redis.options.redisOptions?.tls, {});
    } finally {
      redis.disconnect();
    }
  });

  it("gives a one-shot probe no retries on the cluster either", () => {
    const redis = cluster(createRedis("redis+cluster://n1:7000", probeRedisOptions(500)));
    try {
      assert.equal(redis.options.clusterRetryStrategy?.(1), null);
      assert.equal(redis.options.redisOptions?.connectTimeout, 500);
      assert.equal(redis.options.redisOptions?.commandTimeout, 500);
    } finally {
      redis.disconnect();
    }
  });

  it("hash-tags the queue prefix on a cluster only", () => {
    assert.equal(queuePrefix("redis+cluster://n1:7000"), CLUSTER_QUEUE_PREFIX);
    assert.deepEqual(queuePrefixOption("redis+cluster://n1:7000"), { prefix: "{ragworker}" });
    assert.equal(queuePrefix("redis://127.0.0.1:6379"), undefined);
    assert.deepEqual(queuePrefixOption("redis+sentinel://h1/m"), {});
  });

  for (const [url, reason] of [
    ["redis+cluster://n1:7000/0", /takes no path/],
    ["redis+cluster://n1:7000?password=x", /takes no path, query/],
    ["redis+cluster://n1,,n2", /empty host address/],
    ["redis+cluster://n1:70000", /port 70000 of n1/],
    ["redis+cluster://", /empty host address/],
  ] as const) {
    it(`refuses ${url}, saying why`, () => {
      assert.throws(
        () => parseRedisUrl(url),
        (error: unknown) => error instanceof RedisUrlError && reason.test(error.reason),
      );
    });
  }
});

describe("REDIS_URL at config time", () => {
  it("accepts a cluster URL, and refuses a bad one with its password masked", () => {
    const url = "redis+cluster://:pw@127.0.0.1:7000,127.0.0.1:7001";
    assert.equal(loadConfig({ REDIS_URL: url }).redisUrl, url);
    assert.throws(
      () => loadConfig({ REDIS_URL: "redis+cluster://:s3cr3t-pw@h1:7000/2" }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variable === "REDIS_URL" &&
        error.message.includes("redis+cluster://") &&
        !error.message.includes("s3cr3t-pw"),
    );
  });

  it("accepts a Sentinel URL", () => {
    const url = "redis+sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/mymaster";
    assert.equal(loadConfig({ REDIS_URL: url }).redisUrl, url);
  });

  it("refuses a malformed one with a ConfigError naming REDIS_URL, its secrets masked", () => {
    for (const url of [
      "redis+sentinel://:s3cr3t-pw@h1:26379,h2:99999/mymaster",
      "redis+sentinel://h1:26379,h2:26379?sentinel_password=s3cr3t-pw",
    ]) {
      assert.throws(
        () => loadConfig({ REDIS_URL: url }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.variable === "REDIS_URL" &&
          error.message.includes("redis+sentinel://") &&
          !error.message.includes("s3cr3t-pw"),
      );
    }
  });
});

describe("maskUrl with several hosts", () => {
  it("masks a Sentinel URL's password and sentinel_password, keeping the rest", () => {
    assert.equal(
      maskUrl("redis+sentinel://app:s3cr3t@s1:26379,s2:26379/mymaster/2?sentinel_password=s3cr3t2"),
      "redis+sentinel://app:***@s1:26379,s2:26379/mymaster/2?sentinel_password=***",
    );
    assert.equal(
      maskUrl("redis+sentinel://:s3cr3t@s1:26379,[::1]:26380/mymaster"),
      "redis+sentinel://:***@s1:26379,[::1]:26380/mymaster",
    );
    // One host: the URL parser takes it; the password is masked the same way.
    assert.equal(
      maskUrl("redis+sentinel://:s3cr3t@s1:26379/mymaster"),
      "redis+sentinel://:***@s1:26379/mymaster",
    );
  });

  it("leaves a Sentinel URL without secrets as it is", () => {
    const url = "redis+sentinel://s1:26379,s2:26379/mymaster";
    assert.equal(maskUrl(url), url);
  });

  it("masks libpq's multi-host form too", () => {
    assert.equal(
      maskUrl("postgres://u:s3cr3t@h1:5432,h2:5432/db?target_session_attrs=read-write"),
      "postgres://u:***@h1:5432,h2:5432/db?target_session_attrs=read-write",
    );
  });
});
