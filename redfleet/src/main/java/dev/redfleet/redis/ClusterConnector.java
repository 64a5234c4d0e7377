package dev.redfleet.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisReplicas;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Redis Cluster from a list of seed nodes. The Vert.x cluster client routes each command to the
 * master of its key's slot and follows MOVED and ASK; every redfleet key carries one hash tag, so a
 * script never crosses slots. Scripts are loaded per master by {@link Scripts} (EVAL on NOSCRIPT).
 *
 * <p>{@link #dedicatedToOwnerOf} finds the master of one slot by the cluster's own slot map, asked
 * key by key: {@code EXISTS <key>} on a node that does not serve the key's slot (another master, a
 * replica) answers {@code MOVED <slot> <host:port>} naming the one that does. The nodes asked, in
 * order: the last owner found, the seeds, then every node a redirect named so far (a seed list may
 * name only masters that died since).
 */
final class ClusterConnector extends RedisConnector {
  /** A cluster's redirect: {@code MOVED <slot> <host>:<port>} (the host may be empty: the node asked). */
  private static final Pattern MOVED = Pattern.compile("(?:^|[\\s\\]])MOVED \\d+ (\\S*):(\\d+)");
  /** Redirects followed from one node: a slot map settles in one; more means it is changing under us. */
  private static final int MAX_REDIRECTS = 3;

  /** Nodes named by redirects, in the order learned; accessed from any event loop. */
  private final Set<RedisConnectionOptions.HostPort> learned = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
  private volatile RedisConnectionOptions.HostPort lastOwner;

  ClusterConnector(Vertx vertx, RedisConnectionOptions options) {
    super(vertx, options);
  }

  @Override
  protected RedisOptions topology(RedisOptions base) {
    return base.setType(RedisClientType.CLUSTER)
        .setUseReplicas(RedisReplicas.NEVER)
        .setEndpoints(options.endpoints().stream().map(this::dataNode).toList());
  }

  /**
   * A one-connection standalone client to the master that serves {@code key}'s slot now, proven by
   * an answer to {@code EXISTS key} on it. Fails when no node reachable names a reachable owner (a
   * master down before its replica is promoted): the caller retries with backoff.
   */
  @Override
  public Future<Redis> dedicatedToOwnerOf(String key) {
    Set<RedisConnectionOptions.HostPort> candidates = new LinkedHashSet<>();
    RedisConnectionOptions.HostPort last = lastOwner;
    if (last != null) {
      candidates.add(last);
    }
    candidates.addAll(options.endpoints());
    synchronized (learned) {
      candidates.addAll(learned);
    }
    return firstOwner(key, new ArrayList<>(candidates), 0, null);
  }

  private Future<Redis> firstOwner(String key, List<RedisConnectionOptions.HostPort> candidates, int index, Throwable last) {
    if (index >= candidates.size()) {
      return Future.failedFuture(new IllegalStateException("no reachable cluster node serves the slot of " + key
          + (last == null ? "" : " (last: " + Backoff.oneLine(last) + ")")));
    }
    return ownerVia(key, candidates.get(index), MAX_REDIRECTS)
        .recover(e -> firstOwner(key, candidates, index + 1, e));
  }

  /** Asks {@code node}; a redirect is followed to the node it names, at most {@code redirectsLeft} times. */
  private Future<Redis> ownerVia(String key, RedisConnectionOptions.HostPort node, int redirectsLeft) {
    Redis client = standalone(node);
    return client.send(Request.cmd(Command.EXISTS).arg(key))
        .timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .transform(ar -> {
          if (ar.succeeded()) {
            lastOwner = node;
            return Future.succeededFuture(client);
          }
          client.close();
          RedisConnectionOptions.HostPort owner = movedTo(String.valueOf(ar.cause().getMessage()), node);
          if (owner == null || redirectsLeft == 0) {
            return Future.failedFuture(ar.cause());
          }
          learned.add(owner);
          return ownerVia(key, owner, redirectsLeft - 1);
        });
  }

  /** The node a {@code MOVED} reply names, or null when {@code error} is no such reply. */
  static RedisConnectionOptions.HostPort movedTo(String error, RedisConnectionOptions.HostPort asked) {
    Matcher m = MOVED.matcher(error);
    if (!m.find()) {
      return null;
    }
    // an empty host: the node does not know its own address, so it is the one just asked
    String host = m.group(1).isEmpty() ? asked.host() : m.group(1);
    return new RedisConnectionOptions.HostPort(host, Integer.parseInt(m.group(2)));
  }

  /** A one-connection client to this node alone, with the fleet's credentials and TLS. */
  private Redis standalone(RedisConnectionOptions.HostPort node) {
    return Redis.createClient(vertx, common()
        .setType(RedisClientType.STANDALONE)
        .setEndpoints(List.of(dataNode(node)))
        .setMaxPoolSize(1)
        .setMaxPoolWaiting(16));
  }
}
