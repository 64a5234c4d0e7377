package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that creates Redis clients, with one subclass per topology (like
 * vertx-redis-client's own standalone, sentinel and cluster clients). Everything above it sees a
 * {@link Redis}: no role knows which topology it runs on.
 */
public abstract class RedisConnector {
  private static final Logger log = LoggerFactory.getLogger(RedisConnector.class);
  private static final AtomicBoolean WARNED_NO_HOSTNAME_CHECK = new AtomicBoolean();

  protected final Vertx vertx;
  protected final RedisConnectionOptions options;

  protected RedisConnector(Vertx vertx, RedisConnectionOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  public static RedisConnector create(Vertx vertx, RedisConnectionOptions options) {
    if (options.tls() && !options.tlsVerifyHostname() && WARNED_NO_HOSTNAME_CHECK.compareAndSet(false, true)) {
      log.warn("TLS HOSTNAME VERIFICATION IS OFF (redisTlsVerifyHostname=false): any server holding a certificate "
          + "from a trusted CA can impersonate Redis at {}", options.describe());
    }
    return switch (options.topology()) {
      case STANDALONE -> new StandaloneConnector(vertx, options);
      case SENTINEL -> new SentinelConnector(vertx, options);
      case CLUSTER -> new ClusterConnector(vertx, options);
    };
  }

  /** For tests and the benchmark: a plain URL, no other settings. */
  public static RedisConnector create(Vertx vertx, String url) {
    return create(vertx, RedisConnectionOptions.parse(url));
  }

  public RedisConnectionOptions options() {
    return options;
  }

  /**
   * The shared pool for non-blocking commands and scripts. It reconnects by itself: a request
   * borrows a live connection or opens a new one (on the current master, for Sentinel).
   */
  public Redis pooled(int maxConnections) {
    return client(topology(common())
        .setMaxPoolSize(maxConnections)
        .setMaxPoolWaiting(4096)
        .setMaxWaitingHandlers(65536));
  }

  /**
   * A client of exactly one connection, for blocking commands (BLMOVE) that would otherwise hold a
   * pooled connection and starve everyone else. Closing the client closes the socket, which also
   * cancels a pending block on the server. Callers throw it away after any failure and make a new
   * one: after a SIGKILL of a Sentinel master the old one never recovers, a new one asks the
   * sentinels again.
   */
  public Redis dedicated() {
    return client(topology(common())
        .setMaxPoolSize(1)
        .setMaxPoolWaiting(16));
  }

  /**
   * A client of exactly one connection (as {@link #dedicated()}) to the server that holds {@code key}:
   * on one server or through Sentinel that is {@link #dedicated()} itself; in a Redis Cluster a plain,
   * non-cluster connection to the master that serves the key's slot now (see {@link ClusterConnector}).
   * What is asked on it about the server (CLIENT LIST) is then about that master, which a cluster
   * client, routing each command anywhere, cannot promise.
   */
  public Future<Redis> dedicatedToOwnerOf(String key) {
    return Future.succeededFuture(dedicated());
  }

  /**
   * The script runner of a fleet member (or of a command or client that hands out ids), on a
   * pooled client of this connector: WAIT as configured, the floors of namespace {@code keys} (ids
   * and epochs never go backwards) and what the process holds.
   */
  public Scripts scripts(Redis pooled, Keys keys, Floors.Settings floors) {
    return new Scripts(pooled, options.waitReplicas(), options.waitTimeoutMs(), new Floors(keys, floors), new Holdings());
  }

  /** Sets the type, endpoints and credentials of this topology. */
  protected abstract RedisOptions topology(RedisOptions base);

  /** A client with these options; a topology that needs more than Vert.x's own client overrides it. */
  protected Redis client(RedisOptions clientOptions) {
    return Redis.createClient(vertx, clientOptions);
  }

  /** TCP and TLS options, nothing else. */
  protected RedisOptions common() {
    return new RedisOptions().setNetClientOptions(netOptions());
  }

  /** Keep-alive lets the kernel notice a peer that vanished without closing the connection. */
  private NetClientOptions netOptions() {
    NetClientOptions net = new NetClientOptions().setTcpKeepAlive(true).setConnectTimeout(5000);
    if (options.tls()) {
      net.setSsl(true)
          .setSslHandshakeTimeout(5)
          .setSslHandshakeTimeoutUnit(java.util.concurrent.TimeUnit.SECONDS)
          .setHostnameVerificationAlgorithm(options.tlsVerifyHostname() ? "HTTPS" : "");
      if (options.tlsCaFile() != null) {
        net.setTrustOptions(new PemTrustOptions().addCertPath(options.tlsCaFile()));
      }
      if (options.tlsCertFile() != null) {
        net.setKeyCertOptions(new PemKeyCertOptions().setCertPath(options.tlsCertFile()).setKeyPath(options.tlsKeyFile()));
      }
    }
    return net;
  }

  /** The connection string of the data node(s): user, password and db of the options. */
  protected String dataNode(RedisConnectionOptions.HostPort endpoint) {
    return options.connectionString(endpoint, options.user(), options.password(), options.db());
  }
}
