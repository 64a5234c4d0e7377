package dev.redfleet.redis;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;

/**
 * A master found through Sentinel ({@link SentinelMasterClient}): every new connection goes to
 * the master the sentinels name now, so a pooled connection opened after a failover reaches the
 * new one; the dedicated blocking client is rebuilt by its owner after a failure (see
 * {@link RedisConnector#dedicated()}). The sentinels get the sentinel password, the master the
 * data user, password and db.
 */
final class SentinelConnector extends RedisConnector {
  SentinelConnector(Vertx vertx, RedisConnectionOptions options) {
    super(vertx, options);
  }


  @Override
  protected RedisOptions topology(RedisOptions base) {
    // the endpoint is the master the sentinels name, filled in per connection by SentinelMasterClient
    return base.setType(RedisClientType.STANDALONE);
  }

  @Override
  protected Redis client(RedisOptions clientOptions) {
    return new SentinelMasterClient(vertx, options, clientOptions, common(), this::dataNode);
  }
}
