package dev.redfleet.liveness;

import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.NodeScope;
import dev.redfleet.redis.RedisConnectionOptions;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's anchor: one dedicated Redis connection that lives exactly as long as the process
 * (and its link to Redis). Its identity, {@code <clientId>@<name>}, is what the fleet records for the
 * node and for the lease; a connection of that id and name missing from {@code CLIENT LIST} means
 * the process is gone, because the kernel closes every socket of a dead process at once.
 *
 * <p>The name ({@code CLIENT SETNAME rf-<random>}) is unique per process and per connection: client
 * ids restart from small numbers after a Redis restart or on a promoted replica, so an id alone could
 * match someone else's connection. The name also carries the first 12 characters of the server's
 * {@code run_id} ({@code rf-<run>-<random>}), which changes with every Redis process (a restart, a
 * promoted replica): a checker acts on a missing connection only if that connection was made on
 * the same server process as its own, or if it has itself seen it alive. The anchor is checked with a PING every {@link #PING_MS}; when it
 * closes it reconnects with backoff and announces its new identity on {@link #ADDRESS}.
 *
 * <p>In a Redis Cluster (made with a slot key, {@link #Anchor(RedisConnector, String)}) every node
 * anchors on the master that serves the namespace's hash tag, the lease's master: a plain connection
 * to it ({@link RedisConnector#dedicatedToOwnerOf}), so all anchors are on one server and CLIENT LIST
 * asked there answers for all of them. The slot may move (a migration, a failover): the anchor then
 * follows it. Its PING is {@code EXISTS <slot key>} instead, and every command sent through
 * {@link #send} goes with one, pipelined: a master that no longer serves the slot answers
 * {@code MOVED}, and the anchor reconnects to the new owner at once (a new identity, registered again
 * like after any reconnection). Such a command fails with {@link SlotElsewhere}: its answer would be
 * about a server the fleet is leaving. A master that died closes the connection, which is noticed
 * as on one server.
 */
public final class Anchor extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(Anchor.class);
  /** Event-bus address: the new anchor identity (a String) after every (re)connection. */
  public static final String ADDRESS = "redfleet.anchor";
  /** How often the anchor proves its connection with a PING. */
  static final long PING_MS = 1000;

  /** The server part of a name when INFO is refused: then only "seen alive" rules apply. */
  static final String UNKNOWN_SERVER = "0";
  private final RedisConnector connector;
  /** A key in the namespace's slot, which a Cluster anchor follows; null: no slot to follow. */
  private final String slotKey;
  private final Backoff backoff = new Backoff(log, "anchor connection", 100, 2000);
  private Redis client;
  private RedisConnection connection;
  private volatile String identity;
  private long pingTimer = -1;
  private long generation;
  private boolean closed;
  private boolean connecting;

  /**
   * The command's answer was not used: the anchor's master no longer serves the namespace's slot
   * (or the slot is being migrated), so it would be about a server the fleet is leaving.
   */
  public static final class SlotElsewhere extends RuntimeException {
    SlotElsewhere(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * An anchor that stays where the pooled connections of {@code connector} go; in a Redis Cluster it
   * cannot say on which master, so there {@link ClientLiveness#viaAnchor} refuses to judge with it.
   */
  public Anchor(RedisConnector connector) {
    this(connector, null);
  }

  /**
   * @param connector the node's connection factory: the anchor is one of its dedicated connections
   * @param slotKey a key under the namespace's hash tag: in a Redis Cluster the anchor is made on,
   *     and follows, the master of its slot (ignored on one server and with Sentinel)
   */
  public Anchor(RedisConnector connector, String slotKey) {
    this.connector = connector;
    this.slotKey = connector.options().topology() == RedisConnectionOptions.Topology.CLUSTER ? slotKey : null;
  }

  /** Whether this anchor lives on the master of the namespace's slot in a Redis Cluster, and follows it. */
  public boolean followsSlot() {
    return slotKey != null;
  }

  /** The current identity {@code <clientId>@<name>}, or null while disconnected. */
  public String identity() {
    return identity;
  }

  /**
   * A command on the anchor's own connection: its answer comes from the server this anchor's
   * identity was made on (the server part of its name), whatever server the pooled connections
   * reach meanwhile (during a Sentinel switch the two can differ). Fails while disconnected.
   */
  public Future<io.vertx.redis.client.Response> send(Request request) {
    RedisConnection c = connection;
    long mine = generation;
    if (c == null || connecting || closed) {
      return Future.failedFuture("the anchor connection is not established");
    }
    if (slotKey == null) {
      return c.send(request).timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
    // pipelined on the one connection: one round trip, and Redis answers them in order, so the
    // proof of the slot's owner is as fresh as the answer
    Future<io.vertx.redis.client.Response> owner = c.send(slotProbe());
    Future<io.vertx.redis.client.Response> answer = c.send(request);
    return Future.join(owner, answer).timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .transform(ar -> {
          if (owner.failed() && slotMoved(owner.cause())) {
            context.runOnContext(v -> follow(mine));
            return Future.failedFuture(new SlotElsewhere("the namespace's slot is served by another master now"));
          }
          if (owner.failed() && slotMigrating(owner.cause())) {
            return Future.failedFuture(new SlotElsewhere("the namespace's slot is being migrated"));
          }
          if (ar.failed()) {
            return Future.failedFuture(ar.cause());
          }
          return Future.succeededFuture(answer.result());
        });
  }

  private Request slotProbe() {
    return Request.cmd(Command.EXISTS).arg(slotKey);
  }

  /** A reply that names another master as the slot's owner: the migration is done, or a failover. */
  private static boolean slotMoved(Throwable e) {
    String m = String.valueOf(e.getMessage());
    return m.startsWith("MOVED") || m.contains(" MOVED ") || m.contains("]MOVED ") || m.contains("] MOVED ");
  }

  /** The slot is moving (its key already migrated): the old master still owns the slot until the move is done. */
  private static boolean slotMigrating(Throwable e) {
    String m = String.valueOf(e.getMessage());
    return m.startsWith("ASK ") || m.startsWith("TRYAGAIN") || m.startsWith("CLUSTERDOWN");
  }

  /** Completes once connected: while Redis is unreachable it keeps trying (logged once). */
  @Override
  public Future<?> start() {
    Promise<Void> first = Promise.promise();
    firstConnection(first);
    return first.future().onSuccess(v -> pingTimer = vertx.setPeriodic(PING_MS, id -> ping()));
  }

  private void firstConnection(Promise<Void> first) {
    connect()
        .onSuccess(id -> first.tryComplete())
        .onFailure(e -> vertx.setTimer(backoff.failed(e), t -> firstConnection(first)));
  }

  private Future<String> connect() {
    if (closed) {
      return Future.failedFuture("anchor closed");
    }
    connecting = true;
    long mine = ++generation;
    String random = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffffL);
    String[] name = new String[1];
    Future<Redis> made = slotKey == null ? Future.succeededFuture(connector.dedicated())
        : connector.dedicatedToOwnerOf(slotKey);
    return made
        .compose(fresh -> {
          if (mine != generation || closed) {
            fresh.close();
            return Future.failedFuture("anchor closed");
          }
          client = fresh;
          return fresh.connect();
        })
        .compose(c -> {
          connection = c;
          c.exceptionHandler(e -> {
            log.debug("anchor connection: {}", Backoff.oneLine(e));
            // a reset ends the connection without an end event: the PING finds out at once, not
            // at the next period, so the node registers a new anchor without waiting
            probe();
          });
          c.endHandler(v -> lost(mine, "closed"));
          return c.send(Request.cmd(Command.INFO).arg("server"))
              .map(info -> runId(info == null ? "" : info.toString()))
              .recover(e -> Future.succeededFuture(UNKNOWN_SERVER))
              .compose(run -> {
                name[0] = "rf-" + run + "-" + random;
                // an ACL user without client|setname: the name is unknown to Redis, so the anchor
                // carries server "0" and is never taken as evidence of anything
                return c.send(Request.cmd(Command.CLIENT).arg("SETNAME").arg(name[0]))
                    .recover(e -> {
                      name[0] = "rf-" + UNKNOWN_SERVER + "-" + random;
                      return Future.succeededFuture();
                    });
              })
              .compose(ok -> c.send(Request.cmd(Command.CLIENT).arg("ID"))
                  .map(id -> id.toLong())
                  .recover(e -> {
                    name[0] = "rf-" + UNKNOWN_SERVER + "-" + random;
                    return Future.succeededFuture(0L);
                  }));
        })
        .timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(id -> id + "@" + name[0])
        .onComplete(ar -> connecting = false)
        .onSuccess(id -> {
          backoff.succeeded();
          identity = id;
          log.debug("anchor connection is Redis client {}", id);
          vertx.eventBus().publish(NodeScope.address(config(), ADDRESS), id);
        })
        .onFailure(e -> {
          if (mine == generation) {
            discard();
          }
        });
  }

  /**
   * Checks the connection now rather than at the next PING: one that is gone reconnects, and its new
   * identity is announced on {@link #ADDRESS}.
   */
  public void probe() {
    if (context != null) {
      context.runOnContext(v -> ping());
    }
  }

  private void ping() {
    RedisConnection c = connection;
    long mine = generation;
    if (closed || connecting) {
      return;
    }
    if (c == null) {
      reconnectLater(mine, new IllegalStateException("not connected"));
      return;
    }
    // in a Cluster the PING is a read in the namespace's slot: a master that lost the slot (a
    // migration, a failover that made it a replica) keeps the connection open but answers MOVED
    c.send(slotKey == null ? Request.cmd(Command.PING) : slotProbe())
        .timeout(Scripts.CALL_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .onFailure(e -> {
          if (slotKey != null && slotMoved(e)) {
            follow(mine);
          } else if (slotKey == null || !slotMigrating(e)) {
            lost(mine, Backoff.oneLine(e));
          }
        });
  }

  /**
   * The anchor's master no longer serves the namespace's slot: reconnect to the one that does, at
   * once (a move is no failure: no backoff, no warning).
   */
  private void follow(long which) {
    if (closed || which != generation || connecting) {
      return;
    }
    log.info("anchor connection {}: the namespace's slot is served by another master now; the anchor follows it", identity);
    discard();
    connect().onFailure(e -> lost(generation, Backoff.oneLine(e)));
  }

  private void lost(long which, String why) {
    if (closed || which != generation || connecting) {
      return;
    }
    log.info("anchor connection {} lost ({}); reconnecting", identity, why);
    reconnectLater(which, new IllegalStateException(why));
  }

  private void reconnectLater(long which, Throwable cause) {
    discard();
    connecting = true;
    vertx.setTimer(backoff.failed(cause), id -> {
      if (which == generation && !closed) {
        connect().onFailure(e -> lost(generation, Backoff.oneLine(e)));
      } else {
        connecting = false;
      }
    });
  }

  private void discard() {
    identity = null;
    connection = null;
    Redis c = client;
    client = null;
    if (c != null) {
      c.close();
    }
  }

  @Override
  public Future<?> stop() {
    closed = true;
    if (pingTimer != -1) {
      vertx.cancelTimer(pingTimer);
    }
    Redis c = client;
    client = null;
    connection = null;
    identity = null;
    if (c == null) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    c.close().onComplete(ar -> done.tryComplete());
    return done.future();
  }

  static String runId(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("run_id:")) {
        String run = line.substring(7).trim();
        return run.length() >= 12 ? run.substring(0, 12) : UNKNOWN_SERVER;
      }
    }
    return UNKNOWN_SERVER;
  }

  /**
   * Whether a connection missing from CLIENT LIST is evidence that its process is gone, for a
   * checker whose own anchor is {@code mine}: only if both were made on the same Redis server process
   * (ids and connections do not survive a restart or a failover).
   */
  public static boolean sameServer(String anchor, String mine) {
    String a = server(anchor);
    return !a.equals(UNKNOWN_SERVER) && a.equals(server(mine));
  }

  /**
   * Whether {@code anchor} may have been made on the server whose run_id is {@code runId}: false only
   * when both are known and differ (an anchor of a server that restarted or was replaced).
   */
  public static boolean mayBeOn(String anchor, String runId) {
    String made = serverOf(anchor);
    return made.equals(UNKNOWN_SERVER) || runId == null || runId.isEmpty() || runId.equals("?") || runId.startsWith(made);
  }

  /** The server part of an anchor (the first 12 characters of the run_id it was made on), "0" when unknown. */
  public static String serverOf(String anchor) {
    return anchor == null ? UNKNOWN_SERVER : server(anchor);
  }

  private static String server(String anchor) {
    int at = anchor.indexOf("@rf-");
    int dash = at < 0 ? -1 : anchor.indexOf('-', at + 4);
    return dash < 0 ? UNKNOWN_SERVER : anchor.substring(at + 4, dash);
  }
}
