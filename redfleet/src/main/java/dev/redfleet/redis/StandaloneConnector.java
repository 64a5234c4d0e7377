package dev.redfleet.redis;

import io.vertx.core.Vertx;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.util.List;

/** One redis-server (or a unix socket). */
final class StandaloneConnector extends RedisConnector {
  StandaloneConnector(Vertx vertx, RedisConnectionOptions options) {
    super(vertx, options);
  }

  @Override
  protected RedisOptions topology(RedisOptions base) {
    String endpoint = options.unixSocket() != null ? options.unixSocket() : dataNode(options.endpoints().get(0));
    return base.setType(RedisClientType.STANDALONE).setEndpoints(List.of(endpoint));
  }
}
