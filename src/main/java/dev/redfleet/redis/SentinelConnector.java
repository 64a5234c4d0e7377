package dev.redfleet.redis;

import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;

/**
 * A master found through Sentinel. Every connection asks the sentinels for the current master, so
 * a pooled connection opened after a failover reaches the new one; the dedicated blocking client is
 * rebuilt by its owner after a failure (see {@link RedisConnector#dedicated()}).
 */
final class SentinelConnector extends RedisConnector {
  SentinelConnector(Vertx vertx, RedisConnectionOptions options) {
    super(vertx, options);
  }

  @Override
  protected boolean failsOverToReplicas() {
    return true;
  }

  @Override
  protected RedisOptions topology(RedisOptions base) {
    base.setType(RedisClientType.SENTINEL)
        .setMasterName(options.masterName())
        .setRole(RedisRole.MASTER)
        .setAutoFailover(true)
        .setEndpoints(options.endpoints().stream()
            // the sentinels: their own password; Vert.x takes user, password and db of the master from the options
            .map(e -> options.connectionString(e, null, options.sentinelPassword(), 0))
            .toList());
    if (options.user() != null) {
      base.setUser(options.user());
    }
    if (options.password() != null) {
      base.setPassword(options.password());
    }
    return base;
  }
}
