package dev.redfleet.ops;

import dev.redfleet.liveness.Anchor;
import dev.redfleet.liveness.LivenessVerdict;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Floors;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.LeaseStore;
import dev.redfleet.redis.store.NodeStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node owns its id while its process lives. At start it registers its {@link Anchor} connection
 * under its id in {@code <ns>:anchors}:
 * <ul>
 *   <li>no entry: the id is free; anything the id still holds (landing, in flight) belongs to a
 *       previous incarnation and goes back to the queue before any worker claims;</li>
 *   <li>an entry whose connection is alive: another process runs with this id; the start fails
 *       with {@link NodeIdInUseException} (exit 2);</li>
 *   <li>an entry whose connection is dead by the fleet's one rule ({@link LivenessVerdict}: gone,
 *       and made on the same Redis server process as this node's anchor): the previous process is
 *       provably dead (SIGKILL closes its sockets); as for no entry, at once, without waiting for
 *       staleMs.</li>
 * </ul>
 * The takeover and the requeue are one script ({@code requeue-node} with the anchors hash), which
 * acts only if the entry is still what was checked. When the verdict is unknown (CLIENT LIST
 * refused, a connection made on another server: a restart, a failover or a Cluster slot move since) the
 * previous incarnation counts as gone once its heartbeat is older than staleMs, or absent.
 *
 * <p>When the anchor reconnects (a network blip, a Redis restart), the new connection replaces the
 * old one in the entry, compare-and-set; when Redis changed under the node (another dataset, a
 * promoted replica: {@link FloorsVerticle#CHANGED_ADDRESS}) the entry may be gone or old, and the
 * current connection is registered again. Either is retried every second until it is done. If
 * meanwhile another live process took the id, this node has lost it: the verticle hands a
 * {@link NodeIdInUseException} to its owner, which stops the node ({@code run} then exits 2; an
 * embedded node stops, its JVM goes on). On stop the entry is removed, if it is still this
 * process's.
 */
public final class IdentityVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(IdentityVerticle.class);
  private static final int ATTEMPTS = 5;

  /** Another live process holds this node id. */
  public static final class NodeIdInUseException extends RuntimeException {
    public NodeIdInUseException(String message) {
      super(message, null, false, false);
    }
  }

  private final LeaseStore lease;
  private final NodeStore nodes;
  private final String nodeId;
  private final Anchor anchor;
  /** The server the node's floors check saw last: an anchor made on another is stale. */
  private final Floors floors;
  private final LivenessVerdict liveness;
  private final long staleMs;
  private final Consumer<NodeIdInUseException> lost;
  private MessageConsumer<String> anchorChanges;
  private MessageConsumer<String> redisChanges;
  /** The anchor registered for this node by this process. */
  private String registered;
  /** This process's own recent anchors: never another process, whatever a check says about them. */
  private final Deque<String> ours = new ArrayDeque<>();
  private long retryTimer = -1;
  private boolean stopped;

  /** @param lost told, once, when another live process took this node's id after the start */
  public IdentityVerticle(Scripts scripts, Keys keys, String nodeId, Anchor anchor, LivenessVerdict liveness,
                          long staleMs, Consumer<NodeIdInUseException> lost) {
    this(scripts, dev.redfleet.redis.Shards.one(keys), nodeId, anchor, liveness, staleMs, lost);
  }

  /** With shards: what a dead previous process of this id held goes back in every shard. */
  public IdentityVerticle(Scripts scripts, dev.redfleet.redis.Shards shards, String nodeId, Anchor anchor,
                          LivenessVerdict liveness, long staleMs, Consumer<NodeIdInUseException> lost) {
    FleetStore store = new FleetStore(scripts, shards);
    this.floors = scripts.floors();
    this.lease = store.lease();
    this.nodes = store.nodes();
    this.nodeId = nodeId;
    this.anchor = anchor;
    this.liveness = liveness;
    this.staleMs = staleMs;
    this.lost = lost;
  }

  @Override
  public Future<?> start() {
    String mine = anchor.identity();
    if (mine == null) {
      return Future.failedFuture(new IllegalStateException("the anchor connection is not established"));
    }
    remember(mine);
    return claim(mine, ATTEMPTS).onSuccess(v -> {
      anchorChanges = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Anchor.ADDRESS), m -> {
        remember(m.body());
        reRegister(m.body());
      });
      redisChanges = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), FloorsVerticle.CHANGED_ADDRESS),
          m -> ensureRegistered());
    });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (retryTimer != -1) {
      vertx.cancelTimer(retryTimer);
    }
    Future<Void> unregistered = Future.join(
        anchorChanges == null ? Future.succeededFuture() : anchorChanges.unregister(),
        redisChanges == null ? Future.succeededFuture() : redisChanges.unregister()).mapEmpty();
    String mine = registered;
    if (mine == null) {
      return unregistered;
    }
    return unregistered.compose(v -> swap(mine, ""))
        .timeout(2, TimeUnit.SECONDS)
        .recover(e -> Future.succeededFuture());
  }

  /** Start: take the id (free, or its holder's connection is gone) and hand back what it held. */
  private Future<Void> claim(String mine, int attemptsLeft) {
    return registeredAnchor()
        .compose(previous -> {
          return previousIsGone(previous, true).compose(gone -> {
            if (!gone) {
              return Future.failedFuture(new NodeIdInUseException("node id '" + nodeId
                  + "' is in use by a live process (Redis client " + previous.replaceFirst("@.*", "")
                  + "); stop it or choose another --node-id"));
            }
            return nodes.claimIdentity(nodeId, previous, mine);
          });
        })
        .compose(r -> {
          long moved = r.moved();
          if (moved == -2) {
            // the entry changed between the check and the script: look again
            return attemptsLeft > 1 ? claim(mine, attemptsLeft - 1)
                : Future.failedFuture(new NodeIdInUseException("node id '" + nodeId
                    + "' is being registered by another process at the same time; choose another --node-id"));
          }
          registered = mine;
          if (moved > 0) {
            log.warn("node {} restarted: {} message(s) its previous process held went back to the queue", nodeId, moved);
          }
          return Future.succeededFuture();
        });
  }

  private void remember(String mine) {
    if (mine != null && !ours.contains(mine)) {
      ours.addLast(mine);
      while (ours.size() > 8) {
        ours.removeFirst();
      }
    }
  }

  /**
   * Whether the process whose anchor {@code previous} is registered for this id is gone: "" and this
   * process's own earlier anchors are; otherwise {@link LivenessVerdict}, and when it does not know,
   * the heartbeat (silent longer than staleMs, or none).
   */
  private Future<Boolean> previousIsGone(String previous, boolean mayWait) {
    if (previous.isEmpty() || ours.contains(previous)) {
      return Future.succeededFuture(true);
    }
    return liveness.judge(previous).compose(verdict -> {
      if (verdict != LivenessVerdict.Verdict.UNKNOWN) {
        return Future.succeededFuture(verdict == LivenessVerdict.Verdict.DEAD);
      }
      // no evidence either way: the heartbeat decides, as the reaper would
      return nodes.silentNodes(staleMs, 1_000_000)
          .map(stale -> stale.contains(nodeId))
          .compose(staleNode -> staleNode ? Future.succeededFuture(true) : heartbeatAbsent())
          .compose(gone -> gone || !mayWait ? Future.succeededFuture(gone) : waitForSilence(previous));
    });
  }

  /**
   * The previous holder's connection cannot be judged (made on another server, say a Redis
   * restarted with its data) and its heartbeat is recent: a process that died just before the
   * restart looks like that for up to staleMs. Ask once more after staleMs, then decide.
   */
  private Future<Boolean> waitForSilence(String previous) {
    log.info("node id '{}': its previous holder's connection cannot be checked and its heartbeat is recent; "
        + "waiting {} ms to see whether it goes silent", nodeId, staleMs + 500);
    io.vertx.core.Promise<Void> waited = io.vertx.core.Promise.promise();
    vertx.setTimer(staleMs + 500, t -> waited.complete());
    return waited.future().compose(v -> previousIsGone(previous, false));
  }

  private Future<Boolean> heartbeatAbsent() {
    return nodes.silentNodes(-Long.MAX_VALUE / 4, 1_000_000).map(all -> !all.contains(nodeId));
  }

  /**
   * Redis changed under the node: its entry may be gone (an empty dataset) or hold a connection of
   * the old server. Registers the current anchor again (compare-and-set on what is there).
   */
  private void ensureRegistered() {
    String mine = anchor.identity();
    if (stopped || registered == null) {
      return;
    }
    if (mine == null) {
      retryLater();
      return;
    }
    if (madeOnAnotherServer(mine)) {
      // the anchor has not noticed yet that its server is gone (a restart, a promoted replica):
      // registering it would point the fleet at a connection of the old server, which no check can
      // judge, so a SIGKILL until the next registration would wait for staleMs. The anchor checks
      // itself now; its reconnection registers the new connection (reRegister)
      anchor.probe();
      retryLater();
      return;
    }
    registeredAnchor().compose(current -> {
      if (current.equals(mine)) {
        registered = mine;
        return Future.succeededFuture(true);
      }
      if (current.isEmpty() || current.equals(registered)) {
        return swap(current, mine);
      }
      // another connection under this id: the same path as a reconnection
      return previousIsGone(current, false).compose(gone -> gone ? swap(current, mine) : Future.succeededFuture(false));
    }).onComplete(ar -> {
      if (ar.failed() || !ar.result()) {
        retryLater();
      }
    });
  }

  /** Whether {@code mine} was made on a server other than the one this node's floors check saw last. */
  private boolean madeOnAnotherServer(String mine) {
    return floors != null && !Anchor.mayBeOn(mine, floors.server());
  }

  private void retryLater() {
    if (stopped || retryTimer != -1) {
      return;
    }
    retryTimer = vertx.setTimer(1000, t -> {
      retryTimer = -1;
      ensureRegistered();
    });
  }

  /** The anchor reconnected: register the new connection in place of the old one. */
  private void reRegister(String fresh) {
    String old = registered;
    if (old == null || old.equals(fresh)) {
      return;
    }
    swap(old, fresh).compose(swapped -> {
      if (swapped) {
        return Future.succeededFuture();
      }
      // the reaper removed the entry (it saw the old connection gone) or another process took the id
      return registeredAnchor()
          .compose(current -> {
            if (current.equals(fresh) || current.equals(anchor.identity())) {
              // this process's own connection, registered meanwhile (a Redis change re-registers too)
              registered = current;
              return Future.succeededFuture(true);
            }
            return previousIsGone(current, false).compose(gone -> {
              if (!gone) {
                // never System.exit: an embedding program's JVM is not ours to end; the owner stops the node
                registered = null;
                lost.accept(new NodeIdInUseException("node id '" + nodeId + "' was taken by another live process "
                    + "while this one was disconnected; this node stops"));
                return Future.succeededFuture(false);
              }
              return swap(current, fresh);
            });
          });
    }).onFailure(e -> {
      log.warn("node {} could not register its new connection ({}); retried every second", nodeId, Backoff.oneLine(e));
      retryLater();
    });
  }

  private Future<Boolean> swap(String expected, String replacement) {
    return lease.swapAnchor(nodeId, expected, replacement)
        .map(swapped -> {
          if (swapped) {
            registered = replacement.isEmpty() ? null : replacement;
          }
          return swapped;
        });
  }

  /** The anchor registered for this node id now, "" when none. */
  private Future<String> registeredAnchor() {
    return lease.anchorOf(nodeId);
  }
}
