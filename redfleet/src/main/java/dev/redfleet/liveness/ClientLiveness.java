package dev.redfleet.liveness;

import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.RedisConnectionOptions;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells which anchors ({@code <clientId>@<name>}, see {@link Anchor}) still have a live connection,
 * with one {@code CLIENT LIST ID ...} call (outside Lua: CLIENT is not allowed in scripts). A
 * connection counts only if both its id and its name match, since ids are reused after a restart.
 *
 * <p>A fleet node asks on its own anchor connection ({@link #viaAnchor}): the callers judge a
 * missing connection by the anchor's server (its run_id), so the answer must come from that very
 * server. Through the pool it could come from another one while a Sentinel switch is under way (the
 * pool on the new master, the anchor still on the old one, or the other way round), and then every
 * node would look dead.
 *
 * <p>An ACL user without {@code +client|list} gets NOPERM: then the answer is "unknown" (null), the
 * callers fall back to their timeouts (lease TTL, staleMs), and this is logged once per process.
 */
public final class ClientLiveness {
  private static final Logger log = LoggerFactory.getLogger(ClientLiveness.class);
  private static final AtomicBoolean REFUSAL_LOGGED = new AtomicBoolean();

  private final java.util.function.Function<Request, Future<io.vertx.redis.client.Response>> sender;
  private volatile boolean refused;

  /** Asks through {@code redis} (any connection: for a view like {@code status}, not for verdicts). */
  private ClientLiveness(Redis redis) {
    this.sender = redis::send;
  }

  private ClientLiveness(Anchor anchor) {
    this.sender = anchor::send;
  }

  /**
   * A node's liveness: asked on its anchor connection, so the answer is about the anchor's server. In
   * a Redis Cluster that holds only for an anchor that follows the namespace's slot
   * ({@link Anchor#followsSlot()}): every node's anchor is then on that one master, and each answer
   * comes with the proof that the master still serves the slot (else no verdict). Any other anchor
   * in a cluster could sit on any master: every answer is then "unknown".
   */
  public static ClientLiveness viaAnchor(Anchor anchor, RedisConnectionOptions.Topology topology) {
    ClientLiveness liveness = new ClientLiveness(anchor);
    liveness.refused = topology == RedisConnectionOptions.Topology.CLUSTER && !anchor.followsSlot();
    return liveness;
  }

  /**
   * Liveness asked through a pool (a view like {@code status}): in a Redis Cluster {@code CLIENT LIST}
   * answers for the one node the call happens to reach, so a connection made on another master would look dead; there every
   * answer is "unknown" and the timeouts (lease TTL, staleMs) decide, as for an ACL user without
   * {@code client|list}.
   */
  public static ClientLiveness forTopology(Redis redis, RedisConnectionOptions.Topology topology) {
    ClientLiveness liveness = new ClientLiveness(redis);
    liveness.refused = topology == RedisConnectionOptions.Topology.CLUSTER;
    return liveness;
  }

  /** Whether Redis refused CLIENT LIST to this user (the fast path is then off). */
  public boolean refused() {
    return refused;
  }

  /**
   * The subset of {@code anchors} whose connection is alive; null when Redis refuses the command
   * (unknown). Malformed anchors count as dead.
   */
  public Future<Set<String>> alive(Collection<String> anchors) {
    Set<String> wanted = new LinkedHashSet<>();
    Request request = Request.cmd(Command.CLIENT).arg("LIST").arg("ID");
    for (String anchor : anchors) {
      if (anchor != null && clientId(anchor) > 0 && wanted.add(anchor)) {
        request.arg(clientId(anchor));
      }
    }
    if (refused) {
      return Future.succeededFuture(null);
    }
    if (wanted.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    return sender.apply(request).timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(r -> parse(r == null ? "" : r.toString(), wanted))
        .recover(e -> {
          if (e instanceof Anchor.SlotElsewhere) {
            // the anchor is following the slot to its new master: ask again once it is there
            return Future.failedFuture(new LivenessVerdict.NoVerdict(e.getMessage()));
          }
          String m = String.valueOf(e.getMessage());
          if (m.startsWith("NOPERM") || m.contains("no permissions")) {
            refused = true;
            if (REFUSAL_LOGGED.compareAndSet(false, true)) {
              log.warn("Redis refuses CLIENT LIST to this user ({}); dead processes are noticed by timeouts only "
                  + "(lease TTL, staleMs). Grant '+client|list +client|id +client|setname' for the fast path",
                  Backoff.oneLine(e));
            }
            return Future.succeededFuture(null);
          }
          return Future.failedFuture(e);
        });
  }

  /** Lines of CLIENT LIST: "id=7 addr=... name=rf-1a2b ...". */
  static Set<String> parse(String clientList, Set<String> wanted) {
    Set<String> alive = new HashSet<>();
    for (String line : clientList.split("\n")) {
      String id = field(line, "id");
      String name = field(line, "name");
      if (id != null && name != null) {
        String anchor = id + "@" + name;
        if (wanted.contains(anchor)) {
          alive.add(anchor);
        }
      }
    }
    return alive;
  }

  private static String field(String line, String key) {
    String prefix = key + "=";
    for (String part : line.trim().split(" ")) {
      if (part.startsWith(prefix)) {
        return part.substring(prefix.length());
      }
    }
    return null;
  }

  /** The client id of an anchor, or -1 when it is not of the form {@code <id>@<name>}. */
  public static long clientId(String anchor) {
    int at = anchor.indexOf('@');
    if (at <= 0) {
      return -1;
    }
    try {
      return Long.parseLong(anchor.substring(0, at));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
