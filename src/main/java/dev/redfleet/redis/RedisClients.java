package dev.redfleet.redis;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;

/** Creates the Redis clients of a process. */
public final class RedisClients {
  private RedisClients() {}

  /**
   * The shared pool for non-blocking commands and scripts. It reconnects by itself: a request
   * borrows a live connection or opens a new one.
   */
  public static Redis pooled(Vertx vertx, String url, int maxConnections) {
    return Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(url)
        .setNetClientOptions(netOptions())
        .setMaxPoolSize(maxConnections)
        .setMaxPoolWaiting(4096)
        .setMaxWaitingHandlers(65536));
  }

  /**
   * A client of exactly one connection, for blocking commands (BLMOVE) that would otherwise hold a
   * pooled connection and starve everyone else. Closing the client closes the socket, which also
   * cancels a pending block on the server.
   */
  public static Redis dedicated(Vertx vertx, String url) {
    return Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(url)
        .setNetClientOptions(netOptions())
        .setMaxPoolSize(1)
        .setMaxPoolWaiting(16));
  }

  /** Keep-alive lets the kernel notice a peer that vanished without closing the connection. */
  private static NetClientOptions netOptions() {
    return new NetClientOptions().setTcpKeepAlive(true).setConnectTimeout(5000);
  }
}
