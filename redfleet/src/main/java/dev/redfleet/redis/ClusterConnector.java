package dev.redfleet.redis;

import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;

/**
 * A Redis Cluster from a list of seed nodes. The Vert.x cluster client routes each command to the
 * master of its key's slot and follows MOVED and ASK; every redfleet key carries one hash tag, so a
 * script never crosses slots. Scripts are loaded per master by {@link Scripts} (EVAL on NOSCRIPT).
 */
final class ClusterConnector extends RedisConnector {
  ClusterConnector(Vertx vertx, RedisConnectionOptions options) {
    super(vertx, options);
  }

  @Override
  protected RedisOptions topology(RedisOptions base) {
    return base.setType(RedisClientType.CLUSTER)
        .setUseReplicas(RedisReplicas.NEVER)
        .setEndpoints(options.endpoints().stream().map(this::dataNode).toList());
  }
}
