package dev.redfleet.ops;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.LogThrottle;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.worker.WorkerActivity;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator what the node is doing, so that a fleet never looks dead: shortly after start
 * which role the node has, then every {@code periodMs} one summary line when something happened
 * (handled, failed, in flight; for the generator also what it generated), a warning when the
 * node has been the only live node for {@code aloneMs} (nobody handles what it generates), and a
 * warning while a live node of the namespace runs another handler ({@link HandlerMismatch}: when
 * the node says its role, then at most once a minute while it lasts). The generator's node also
 * drops the handler records of nodes no longer in {@code <ns>:nodes}.
 */
public final class NodeSummaryVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(NodeSummaryVerticle.class);

  /**
   * @param periodMs how often a summary line may be written
   * @param roleAfterMs when the node says its role (after the first election attempts)
   * @param aloneMs how long a node may be the only live one before it warns
   * @param staleMs a node whose heartbeat is older than this is not counted as live
   */
  public record Settings(long periodMs, long roleAfterMs, long aloneMs, long staleMs, boolean leaderHandles) {
    public Settings(long periodMs, long roleAfterMs, long aloneMs, long staleMs) {
      this(periodMs, roleAfterMs, aloneMs, staleMs, false);
    }
  }

  private final FleetStore store;
  private final Keys keys;
  private final String nodeId;
  private final String handler;
  private final WorkerActivity activity;
  private final Settings settings;
  private final LogThrottle aloneLog = new LogThrottle(log);
  /** A new one for each mismatch: its first line is written at once, then one a minute while it lasts. */
  private LogThrottle handlerLog = new LogThrottle(log);
  /** Another handler was seen on a live node at the last check. */
  private boolean handlersDiffered;
  private MessageConsumer<JsonObject> consumer;
  private long roleTimer = -1;
  private long periodic = -1;
  private boolean leader;
  /** The first role line has been logged. */
  private boolean roleSaid;
  private long lastHandled;
  private long lastFailed;
  private long lastProduced = -1;
  private long aloneSinceMs = -1;

  public NodeSummaryVerticle(FleetStore store, Keys keys, String nodeId, String handler, WorkerActivity activity,
                             Settings settings) {
    this.store = store;
    this.keys = keys;
    this.nodeId = nodeId;
    this.handler = handler;
    this.activity = activity;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Leadership.ADDRESS), m -> {
      boolean was = leader;
      leader = Leadership.fromJson(m.body()).leader();
      // the role was said before this node was elected (a first start waits for the fleet's
      // floors to settle): say it again once it changes
      if (roleSaid && leader && !was) {
        sayGenerator();
      }
    });
    roleTimer = vertx.setTimer(Math.max(1, settings.roleAfterMs()), id -> sayRole());
    periodic = vertx.setPeriodic(settings.periodMs(), id -> summary());
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(roleTimer);
    vertx.cancelTimer(periodic);
    return consumer.unregister();
  }

  private void sayRole() {
    checkFleet();
    store.lease().leaderValue().onComplete(ar -> {
      if (ar.failed()) {
        log.info("node {} is a worker for now (the generator is not known yet: {})", nodeId, Backoff.oneLine(ar.cause()));
        return;
      }
      String token = ar.result();
      // deployed after the election: an announcement may have come before this verticle listened
      leader = token != null && token.startsWith(nodeId + ":");
      roleSaid = true;
      if (leader) {
        sayGenerator();
      } else if (token == null) {
        log.info("node {} is a worker; no generator is elected yet", nodeId);
      } else {
        String generator = token.contains(":") ? token.substring(0, token.lastIndexOf(':')) : token;
        log.info("node {} is a worker; the generator is node {}", nodeId, generator);
      }
    });
  }

  private void sayGenerator() {
    log.info(settings.leaderHandles()
        ? "node {} is the generator: it runs the source and handles messages too (leaderHandles)"
        : "node {} is the generator: it runs the source, the other nodes handle the messages", nodeId);
  }

  private void summary() {
    long handled = activity.handled();
    long failed = activity.failed();
    long newHandled = handled - lastHandled;
    long newFailed = failed - lastFailed;
    lastHandled = handled;
    lastFailed = failed;
    Future<Long> produced = leader ? store.figures().produced() : Future.succeededFuture(-1L);
    produced.onComplete(ar -> {
      long total = ar.succeeded() ? ar.result() : -1;
      long generated = total >= 0 && lastProduced >= 0 ? total - lastProduced : 0;
      if (total >= 0) {
        lastProduced = total;
      }
      long inFlight = activity.inFlight();
      if (newHandled > 0 || inFlight > 0 || generated > 0) {
        log.info("last {} s: handled {} (failed {}), in flight {}{}", settings.periodMs() / 1000, newHandled, newFailed,
            inFlight, leader ? ", generated " + generated : "");
      }
    });
    checkFleet();
  }

  /** Reads the nodes' heartbeats and handlers, for the alone and the handler warnings. */
  private void checkFleet() {
    store.nodes().heartbeats().onSuccess(heartbeats -> {
      checkAlone(heartbeats);
      // on its own: a handlers key that cannot be read must not silence the alone warning
      store.nodes().handlers().onSuccess(handlers -> checkHandlers(heartbeats, handlers));
    });
  }

  /** Counts the other live nodes (heartbeat fresher than staleMs, measured against this node's own). */
  private void checkAlone(Map<String, Double> heartbeats) {
    Double own = heartbeats.get(nodeId);
    long others = own == null ? 0 : heartbeats.entrySet().stream()
        .filter(e -> !e.getKey().equals(nodeId) && e.getValue() >= own - settings.staleMs()).count();
    long now = System.nanoTime() / 1_000_000;
    // a generator that handles its messages too is a complete fleet on its own
    if (others > 0 || own == null || (leader && settings.leaderHandles())) {
      if (aloneSinceMs >= 0 && now - aloneSinceMs >= settings.aloneMs()) {
        log.info("node {} is no longer alone: {} other live node(s)", nodeId, others);
      }
      aloneSinceMs = -1;
      return;
    }
    if (aloneSinceMs < 0) {
      aloneSinceMs = now;
    } else if (now - aloneSinceMs >= settings.aloneMs()) {
      aloneLog.warn("node " + nodeId + " has been the only live node in namespace '" + keys.namespace() + "' for "
          + (now - aloneSinceMs) / 1000 + " s: "
          + (leader ? "it generates, but no other node handles the messages (start another node)"
              : "no other node is there"));
    }
  }

  /** Warns while a live node runs another handler; the generator's node drops records of forgotten nodes. */
  private void checkHandlers(Map<String, Double> heartbeats, Map<String, String> handlers) {
    List<HandlerMismatch.Other> others = HandlerMismatch.others(nodeId, handler, heartbeats, handlers, settings.staleMs());
    if (!others.isEmpty()) {
      if (!handlersDiffered) {
        handlerLog = new LogThrottle(log);
      }
      handlerLog.warn(HandlerMismatch.warning(nodeId, handler, keys.namespace(), others));
    } else if (handlersDiffered) {
      log.info("node {}: every live node runs handler '{}' again", nodeId, handler);
    }
    handlersDiffered = !others.isEmpty();
    List<String> forgotten = HandlerMismatch.forgotten(heartbeats, handlers);
    if (leader && !forgotten.isEmpty()) {
      store.nodes().forgetHandlers(forgotten);
    }
  }
}
