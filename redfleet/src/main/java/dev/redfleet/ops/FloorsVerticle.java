package dev.redfleet.ops;

import dev.redfleet.liveness.Anchor;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Floors;
import dev.redfleet.redis.Holdings;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.NodeScope;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.NodeStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's {@link Floors} and the fleet's in step: every {@code periodMs} (the heartbeat
 * interval) it runs floors.lua, which raises seq and epoch to what this node has seen, notices an
 * empty or replaced dataset (its marker is gone) or another server (a promoted replica, a
 * restart), and lets the settle of a new server end once every live node has done the same. It
 * also checks at once when the node's anchor connection comes back on another server. In a
 * sharded namespace it checks each shard's floors too, on the shard's own master (one floors.lua
 * call per shard per period): a shard's master can fail over, or lose data, alone.
 *
 * <p>When a check finds another dataset or server than the previous one (logged once by Floors),
 * this node: announces it on {@link #CHANGED_ADDRESS} (its identity registers its anchor again, so
 * the fast liveness path works on the new dataset), and gives back to the queue what the new
 * master holds in its in-flight record but the node does not ({@link Holdings#requeueStranded}).
 */
public final class FloorsVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(FloorsVerticle.class);
  /** Event-bus address (node-scoped): the dataset or the server changed; the body is the change kind. */
  public static final String CHANGED_ADDRESS = "redfleet.redis-changed";

  private final Scripts scripts;
  private final dev.redfleet.redis.Shards shards;
  private final String nodeId;
  private final long periodMs;
  /** The namespace's check, then each shard's: each on its own, so a slow master holds up none of the others. */
  private final List<Check> checks = new ArrayList<>();
  private long timer = -1;
  private String anchorServer;
  private MessageConsumer<String> anchorChanges;

  public FloorsVerticle(Scripts scripts, Keys keys, String nodeId, long periodMs) {
    this(scripts, dev.redfleet.redis.Shards.one(keys), nodeId, periodMs);
  }

  /** With shards: the stranded check looks at the node's in-flight record in every shard. */
  public FloorsVerticle(Scripts scripts, dev.redfleet.redis.Shards shards, String nodeId, long periodMs) {
    this.scripts = scripts;
    this.shards = shards;
    this.nodeId = nodeId;
    this.periodMs = periodMs;
  }

  @Override
  public Future<?> start() {
    Floors floors = scripts.floors();
    floors.onChange(change -> context.runOnContext(v -> changed(change)));
    checks.add(new Check(floors, new Backoff(log, "floors check", 100, 5000)));
    if (shards.count() > 1) {
      for (Keys shard : shards.all()) {
        checks.add(new Check(floors.shard(shard), new Backoff(log, "floors check of shard " + shard.dataPrefix(), 100, 5000)));
      }
    }
    timer = vertx.setPeriodic(1, periodMs, id -> check());
    anchorChanges = vertx.eventBus().localConsumer(NodeScope.address(config(), Anchor.ADDRESS), m -> {
      String server = Anchor.serverOf(m.body());
      boolean other = anchorServer != null && !anchorServer.equals(server);
      anchorServer = server;
      if (other) {
        // the anchor came back on another server process: check now, not at the next period
        check();
      }
    });
    return anchorChanges.completion();
  }

  @Override
  public Future<?> stop() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
    scripts.floors().onChange(change -> { });
    checks.clear();
    return anchorChanges == null ? Future.succeededFuture() : anchorChanges.unregister();
  }

  private void check() {
    for (Check c : checks) {
      c.run();
    }
  }

  /** One master's floors check: at most one under way, its failures logged with backoff. */
  private final class Check {
    private final Floors floors;
    private final Backoff backoff;
    private boolean running;

    Check(Floors floors, Backoff backoff) {
      this.floors = floors;
      this.backoff = backoff;
    }

    void run() {
      if (running) {
        return;
      }
      running = true;
      floors.check(scripts).onComplete(ar -> {
        running = false;
        if (ar.succeeded()) {
          backoff.succeeded();
        } else {
          backoff.failed(ar.cause());
        }
      });
    }
  }

  private void changed(Floors.Change change) {
    vertx.eventBus().publish(NodeScope.address(config(), CHANGED_ADDRESS),
        change.datasetChanged() ? "dataset" : "server");
    requeueStranded(STRANDED_ATTEMPTS);
  }

  /** Tries of the stranded check after a change, one a second while Redis does not answer. */
  static final int STRANDED_ATTEMPTS = 10;

  private void requeueStranded(int attemptsLeft) {
    Holdings holdings = scripts.holdings();
    if (holdings == null) {
      return;
    }
    NodeStore nodes = new FleetStore(scripts, shards).nodes();
    holdings.requeueStranded(vertx, keep -> nodes.requeueStranded(nodeId, keep))
        .onSuccess(moved -> {
          if (moved > 0) {
            log.warn("node {}: {} message(s) the new Redis master still had in this node's in-flight record, though "
                + "this node no longer held them (a finish the old master acknowledged and never passed on), went back "
                + "to the queue", nodeId, moved);
          }
        })
        .onFailure(e -> {
          if (attemptsLeft > 1) {
            vertx.setTimer(1000, t -> requeueStranded(attemptsLeft - 1));
          } else {
            log.warn("node {} could not check its in-flight record on the new Redis master ({}); what it holds there "
                + "stays until the node leaves", nodeId, Backoff.oneLine(e));
          }
        });
  }
}
