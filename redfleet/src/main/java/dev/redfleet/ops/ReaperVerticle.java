package dev.redfleet.ops;

import dev.redfleet.election.Leadership;
import dev.redfleet.liveness.LivenessVerdict;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.LeaseStore;
import dev.redfleet.redis.store.NodeStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * While this node is the leader, returns the messages of silent nodes to the queue. A silent node
 * stays known, and is reaped again, until it has been silent longer than any blocking pop it may
 * still have pending ({@code forgetMs}). A node that left gracefully is swept once more after
 * forgetMs, for a BLMOVE the server served after its leave ({@code forget-left}).
 *
 * <p>Connection-bound fast path (every {@code livenessMs}): each node registers its anchor connection
 * in {@code <ns>:anchors}; a node whose anchor the fleet's one rule ({@link LivenessVerdict}) finds
 * {@code DEAD} (its process is gone and the kernel closed its sockets) has its landing and in-flight
 * messages put back in the queue at once, through {@code requeue-node} made conditional on that
 * same anchor. The node stays known, so the staleMs path still reaps anything a
 * blocking pop landed late, and forgets it after forgetMs. A stopped or cut-off process keeps its
 * connection open: only the staleMs path applies to it. With shards the registration is checked
 * in the namespace's slot, then each shard hands back (NodeStore.requeueDead).
 */
public final class ReaperVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ReaperVerticle.class);
  private static final int NODES_PER_PASS = 100;

  /**
   * @param intervalMs how often the leader looks for silent nodes
   * @param staleMs a node silent this long is considered dead
   * @param forgetMs a node silent this long is forgotten after its messages are returned
   * @param livenessMs how often the nodes' connections are checked; 0 = never
   */
  public record Settings(long intervalMs, long staleMs, long forgetMs, long livenessMs) {}

  private final LeaseStore lease;
  private final NodeStore nodes;
  private final String nodeId;
  private final Settings settings;
  private final Backoff backoff = new Backoff(log, "reaper", 100, 5000);
  private final LivenessVerdict liveness;
  private final Backoff livenessBackoff = new Backoff(log, "reaper liveness check", 100, 5000);
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;
  private long livenessTimer = -1;
  private boolean passRunning;
  private boolean livenessRunning;

  /** With {@code liveness} (null: none), the connection-bound fast path. */
  public ReaperVerticle(Scripts scripts, Keys keys, String nodeId, Settings settings, LivenessVerdict liveness) {
    this(scripts, dev.redfleet.redis.Shards.one(keys), nodeId, settings, liveness);
  }

  /** With shards: a dead or silent node's messages go back in every shard. */
  public ReaperVerticle(Scripts scripts, dev.redfleet.redis.Shards shards, String nodeId, Settings settings,
      LivenessVerdict liveness) {
    this.liveness = settings.livenessMs() > 0 ? liveness : null;
    FleetStore store = new FleetStore(scripts, shards);
    this.lease = store.lease();
    this.nodes = store.nodes();
    this.nodeId = nodeId;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Leadership.ADDRESS), message -> {
      if (Leadership.fromJson(message.body()).leader()) {
        startReaping();
      } else {
        stopReaping();
      }
    });
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    stopReaping();
    return consumer.unregister();
  }

  private void startReaping() {
    if (timer == -1) {
      timer = vertx.setPeriodic(1, settings.intervalMs(), id -> pass());
    }
    if (liveness != null && livenessTimer == -1) {
      livenessTimer = vertx.setPeriodic(1, settings.livenessMs(), id -> livenessPass());
    }
  }

  private void stopReaping() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    if (livenessTimer != -1) {
      vertx.cancelTimer(livenessTimer);
      livenessTimer = -1;
    }
  }

  /** One CLIENT LIST ID over every registered anchor; the dead ones are reaped at once. */
  private void livenessPass() {
    if (livenessRunning || liveness.refused()) {
      return;
    }
    livenessRunning = true;
    lease.anchors()
        .compose(entries -> {
          Map<String, String> anchors = new LinkedHashMap<>(entries);
          anchors.remove(nodeId);
          return liveness.judge(anchors.values()).compose(verdicts -> {
            List<Future<?>> reaps = new ArrayList<>();
            for (Map.Entry<String, String> e : anchors.entrySet()) {
              if (verdicts.get(e.getValue()) == LivenessVerdict.Verdict.DEAD) {
                reaps.add(reapDead(e.getKey(), e.getValue()));
              }
            }
            return Future.join(reaps);
          });
        })
        // this node's own anchor is reconnecting: no verdict this time, and nothing failed
        .recover(e -> e instanceof LivenessVerdict.NoVerdict ? Future.succeededFuture() : Future.failedFuture(e))
        .onComplete(ar -> {
          livenessRunning = false;
          if (ar.succeeded()) {
            livenessBackoff.succeeded();
          } else {
            livenessBackoff.failed(ar.cause());
          }
        });
  }

  private Future<NodeStore.Requeued> reapDead(String node, String deadAnchor) {
    return nodes.requeueDead(node, settings.forgetMs(), deadAnchor, "")
        .onSuccess(r -> {
          long moved = r.moved();
          if (moved >= 0) {
            log.warn("node {}'s connection to Redis is gone: {} of its message(s) returned to the queue at once",
                node, moved);
          }
        });
  }

  private void pass() {
    if (passRunning) {
      return;
    }
    passRunning = true;
    nodes.silentNodes(settings.staleMs(), NODES_PER_PASS)
        .compose(stale -> {
          List<Future<?>> reaps = new ArrayList<>();
          for (String silent : stale) {
            if (!silent.equals(nodeId)) {
              reaps.add(reap(silent));
            }
          }
          return Future.join(reaps);
        })
        .compose(v -> nodes.leftLongerThan(settings.forgetMs(), NODES_PER_PASS))
        .compose(gone -> {
          List<Future<?>> sweeps = new ArrayList<>();
          for (String node : gone) {
            sweeps.add(forgetLeft(node));
          }
          return Future.join(sweeps);
        })
        .onComplete(ar -> {
          passRunning = false;
          if (ar.succeeded()) {
            backoff.succeeded();
          } else {
            backoff.failed(ar.cause());
          }
        });
  }

  /** The last sweep of a node that left gracefully: what a late BLMOVE landed for it goes back. */
  private Future<Long> forgetLeft(String gone) {
    return nodes.forgetLeft(gone, settings.forgetMs())
        .onSuccess(moved -> {
          if (moved > 0) {
            log.warn("node {} left, and {} message(s) landed for it afterwards: returned to the queue", gone, moved);
          }
        });
  }

  private Future<NodeStore.Requeued> reap(String silent) {
    return nodes.requeueSilent(silent, settings.staleMs(), settings.forgetMs())
        .onSuccess(r -> {
          long moved = r.moved();
          if (moved > 0) {
            log.warn("node {} is silent: {} of its message(s) returned to the queue", silent, moved);
          }
          if (r.forgotten()) {
            log.info("node {} forgotten after {} ms of silence", silent, settings.forgetMs());
          }
        });
  }
}
