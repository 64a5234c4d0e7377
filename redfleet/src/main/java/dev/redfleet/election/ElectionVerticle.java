package dev.redfleet.election;

import dev.redfleet.liveness.Anchor;
import dev.redfleet.liveness.LivenessVerdict.Verdict;
import dev.redfleet.liveness.LivenessVerdict;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.LeaseStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds and renews the generator lease: a Lua compare-and-set on {@code <ns>:leader} whose value
 * {@code <nodeId>:<epoch>} carries a fresh epoch, the fencing token, on every acquisition.
 *
 * <p>A leader steps down on its own as soon as it cannot prove it still holds the lease: when a
 * renewal answers that the lease is gone, or when its local deadline (measured from the moment the
 * last successful renewal was <em>sent</em>, minus a safety margin) passes while Redis does not
 * answer. Every change is announced on the event bus as a {@link Leadership}.
 *
 * <p>Connection-bound takeover (when an {@link Anchor} is given and {@code livenessMs} > 0): the
 * leader binds its anchor connection to the lease ({@code lease-bind}); every {@code livenessMs} a
 * follower reads the holder's anchor and asks Redis whether that connection still exists. When it
 * is gone (the holder's process died: the kernel closed its sockets), the follower takes over at
 * once with {@code lease-takeover}, which checks atomically that the lease still carries the same
 * token and the same dead connection. A frozen or cut-off leader keeps its connection open, so only
 * the lease TTL path applies to it. Whether the holder is dead is the fleet's one rule,
 * {@link LivenessVerdict}: only {@code DEAD} starts a takeover, {@code UNKNOWN} leaves it to the TTL.
 * In a Redis Cluster the same, on the anchors' one master: the one serving the namespace's slot
 * ({@link Anchor#followsSlot()}). Where no check can conclude (an anchor that cannot say which Cluster
 * master it is on; a user whose ACL refuses CLIENT LIST, from its first refusal on) followers do not
 * poll at all.
 */
public final class ElectionVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ElectionVerticle.class);

  /** The states of the recipe; each transition is one method below. */
  public enum State { FOLLOWER, LEADER, STOPPED }

  private final LeaseStore lease;
  private final String nodeId;
  private final ElectionTimings timings;
  private final Backoff backoff;
  private final Anchor anchor;
  private final LivenessVerdict liveness;
  private MessageConsumer<String> anchorChanges;
  private long watchTimer = -1;
  private boolean watching;
  /** {token, anchor} of the lease holder as read on the previous check, or null. */
  private String[] lastHolder;

  private State state = State.STOPPED;
  private long epoch;
  private String token;
  private long attemptTimer = -1;
  private long deadlineTimer = -1;
  /** The token that stop() or giveUp() released last: a late renewal of it needs no release of its own. */
  private String released;
  private MessageConsumer<JsonObject> giveUpConsumer;

  public ElectionVerticle(Scripts scripts, Keys keys, String nodeId, ElectionTimings timings) {
    this(scripts, keys, nodeId, timings, null, null);
  }

  /**
   * @param anchor this process's anchor connection, or null for the lease TTL path only
   * @param liveness the verdict on the holder's connection (made with {@code anchor})
   */
  public ElectionVerticle(Scripts scripts, Keys keys, String nodeId, ElectionTimings timings, Anchor anchor,
                          LivenessVerdict liveness) {
    this.anchor = timings.livenessMs() > 0 ? anchor : null;
    this.liveness = liveness;
    this.lease = new dev.redfleet.redis.store.FleetStore(scripts, keys).lease();
    this.nodeId = nodeId;
    this.timings = timings;
    this.backoff = new Backoff(log, "election", timings.retryMs(), Math.max(timings.retryMs(), 2000));
  }

  @Override
  public Future<?> start() {
    state = State.FOLLOWER;
    log.info("node {} joins the election (lease {} ms, renewed every {} ms, followers try every {} ms)",
        nodeId, timings.leaseMs(), timings.renewMs(), timings.retryMs());
    giveUpConsumer = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Leadership.GIVE_UP_ADDRESS),
        message -> giveUp(message.body().getLong("epoch", 0L), message.body().getString("reason", "unknown")));
    scheduleAttempt(0);
    if (anchor == null) {
      return giveUpConsumer.completion();
    }
    if (!liveness.refused()) {
      // CLIENT LIST can never conclude (a Cluster anchor that does not follow the namespace's slot): no watch at all
      watchTimer = vertx.setPeriodic(timings.livenessMs(), id -> watchLeader());
    }
    anchorChanges = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Anchor.ADDRESS), m -> anchorChanged(m.body()));
    return Future.all(giveUpConsumer.completion(), anchorChanges.completion());
  }

  @Override
  public Future<?> stop() {
    State was = state;
    String heldToken = token;
    state = State.STOPPED;
    cancelTimers();
    if (giveUpConsumer != null) {
      giveUpConsumer.unregister();
    }
    if (watchTimer != -1) {
      vertx.cancelTimer(watchTimer);
      watchTimer = -1;
    }
    Future<Void> unregistered = anchorChanges == null ? Future.succeededFuture() : anchorChanges.unregister();
    if (was != State.LEADER) {
      return unregistered;
    }
    announce(Leadership.follower());
    released = heldToken;
    return lease.release(heldToken)
        .timeout(2, java.util.concurrent.TimeUnit.SECONDS)
        .onSuccess(r -> log.info("node {} released the lease (epoch {})", nodeId, epoch))
        .onFailure(e -> log.warn("node {} could not release the lease ({}); it expires within {} ms",
            nodeId, Backoff.oneLine(e), timings.leaseMs()))
        .recover(e -> Future.succeededFuture());
  }

  private void attempt() {
    switch (state) {
      case FOLLOWER -> tryAcquire();
      case LEADER -> renew();
      case STOPPED -> { }
    }
  }

  private void tryAcquire() {
    long sentAt = nowMs();
    lease.acquire(nodeId, timings.leaseMs())
        .onSuccess(r -> {
          backoff.succeeded();
          if (state != State.FOLLOWER) {
            if (r.won()) {
              // stopped while the call was out: a lease nobody here will renew or use
              releaseOrphan(nodeId + ":" + r.epoch(), "it was acquired while this node stopped");
            }
            return;
          }
          if (r.won()) {
            if (r.replaced() != null) {
              String garbage = r.replaced();
              log.warn("the leader key held '{}' (no TTL or not <node>:<epoch>), which would have stopped generation "
                  + "for good: replaced", garbage.length() > 80 ? garbage.substring(0, 80) + "..." : garbage);
            }
            becomeLeader(r.epoch(), sentAt);
          } else {
            scheduleAttempt(timings.retryMs());
          }
        })
        .onFailure(e -> {
          if (state == State.FOLLOWER) {
            // refused by the floors (a new dataset or server, the fleet raising its floors there):
            // not a failure, the next try comes as usual
            scheduleAttempt(Scripts.refusedByGuard(e) ? timings.retryMs() : Math.max(timings.retryMs(), backoff.failed(e)));
          }
        });
  }

  /** FOLLOWER -> LEADER. */
  private void becomeLeader(long newEpoch, long sentAt) {
    state = State.LEADER;
    epoch = newEpoch;
    token = nodeId + ":" + newEpoch;
    extendDeadline(sentAt);
    log.info("node {} is now the generator (epoch {})", nodeId, newEpoch);
    announce(new Leadership(true, newEpoch, token));
    scheduleAttempt(timings.renewMs());
    bindAnchor();
  }

  /**
   * FOLLOWER: is the holder's connection still there? Every {@code livenessMs}, one script read and
   * one CLIENT LIST ID. Nothing else runs while a check is in flight.
   */
  private void watchLeader() {
    if (liveness.refused()) {
      // Redis refused CLIENT LIST (an ACL without +client|list): no check can conclude, so none is
      // polled for (each tick cost a script call and a CLIENT LIST); the lease TTL decides
      stopWatching();
      return;
    }
    String mine = anchor.identity();
    if (state != State.FOLLOWER || watching || mine == null) {
      return;
    }
    watching = true;
    // the connection check uses the holder read on the previous tick and runs in parallel with this
    // tick's read: one round trip on the critical path instead of two (lease-takeover re-checks both)
    String[] checked = lastHolder;
    Future<LeaseStore.Holder> holder = lease.holder();
    Future<Verdict> check = checked == null ? Future.succeededFuture(Verdict.UNKNOWN) : liveness.judge(checked[1]);
    Future.all(holder, check)
        .compose(both -> {
          LeaseStore.Holder r = holder.result();
          lastHolder = r.token() == null || r.anchor() == null ? null : new String[] {r.token(), r.anchor()};
          if (r.token() == null && state == State.FOLLOWER) {
            // the lease is free: no need to wait for the next retry
            scheduleAttempt(0);
          }
          // the verdict is about the server of mine: it fails if this node's anchor changed meanwhile
          return check.result() == Verdict.DEAD && state == State.FOLLOWER
              ? takeOver(checked[0], checked[1], mine) : Future.succeededFuture();
        })
        .onComplete(ar -> watching = false);
  }

  private void stopWatching() {
    if (watchTimer != -1) {
      vertx.cancelTimer(watchTimer);
      watchTimer = -1;
      log.info("node {} stops watching the generator's connection (CLIENT LIST is not allowed to this user): "
          + "a dead generator is replaced when its lease expires ({} ms)", nodeId, timings.leaseMs());
    }
  }

  /** FOLLOWER -> LEADER: the holder's connection is gone; the script re-checks it atomically. */
  private Future<Void> takeOver(String holder, String deadAnchor, String mine) {
    long sentAt = nowMs();
    return lease.takeOver(holder, deadAnchor, nodeId, mine, timings.leaseMs())
        .onSuccess(r -> {
          if (!r.won()) {
            return;
          }
          if (state != State.FOLLOWER) {
            releaseOrphan(nodeId + ":" + r.epoch(), "it was taken over while this node stopped");
            return;
          }
          log.info("node {} takes over from {}: its connection to Redis is gone", nodeId, holder);
          becomeLeader(r.epoch(), sentAt);
        })
        .mapEmpty();
  }

  /** LEADER: records this process's anchor with the lease; a leader that no longer holds it steps down. */
  private void bindAnchor() {
    String mine = anchor == null ? null : anchor.identity();
    String binding = token;
    if (mine == null || state != State.LEADER) {
      return;
    }
    lease.bind(binding, mine)
        .onSuccess(bound -> {
          if (state == State.LEADER && binding.equals(token) && !bound) {
            stepDown("the lease was taken over while this node's connection was being re-established");
          }
        })
        .onFailure(e -> log.debug("lease-bind failed ({}); the lease TTL path still applies", Backoff.oneLine(e)));
  }

  /** This process's anchor reconnected (a network blip, a Redis restart): a leader binds the new one. */
  private void anchorChanged(String identity) {
    if (state == State.LEADER) {
      bindAnchor();
    }
  }

  private void renew() {
    long sentAt = nowMs();
    String renewing = token;
    lease.renew(renewing, timings.leaseMs())
        .onSuccess(renewed -> {
          if (state != State.LEADER || !renewing.equals(token)) {
            if (renewed && !renewing.equals(released)) {
              // the renewal reached Redis after this node had stepped down (its local deadline
              // passed while the answer was on its way): the lease now lives another leaseMs for a
              // node that no longer generates, and nobody could take it meanwhile
              releaseOrphan(renewing, "it was renewed after this node had stepped down");
            }
            return;
          }
          backoff.succeeded();
          if (renewed) {
            extendDeadline(sentAt);
            scheduleAttempt(timings.renewMs());
          } else {
            stepDown("the lease expired or was taken over");
          }
        })
        .onFailure(e -> {
          if (state == State.LEADER && renewing.equals(token)) {
            backoff.failed(e);
            // keep trying until the local deadline decides
            scheduleAttempt(timings.renewMs());
          }
        });
  }

  /**
   * Gives up a lease this node holds in Redis but no longer uses (a renewal or acquisition that
   * answered after the node stepped down or stopped), so another node can take it on its next try
   * instead of after a whole lease. Only that exact token is deleted: a lease taken meanwhile by
   * anyone else, or by this node under a new epoch, is left alone.
   */
  private void releaseOrphan(String orphan, String why) {
    lease.release(orphan)
        .onSuccess(freed -> {
          if (freed) {
            log.info("node {} released the lease {}: {}", nodeId, orphan, why);
          }
        })
        .onFailure(e -> log.warn("node {} could not release the lease {} ({}): {}; it expires within {} ms",
            nodeId, orphan, Backoff.oneLine(e), why, timings.leaseMs()));
  }

  /** LEADER -> FOLLOWER. */
  private void stepDown(String reason) {
    state = State.FOLLOWER;
    cancelTimers();
    log.warn("node {} stops generating (epoch {}): {}", nodeId, epoch, reason);
    token = null;
    announce(Leadership.follower());
    scheduleAttempt(timings.retryMs());
  }

  /**
   * LEADER -> FOLLOWER, asked by the generator because it cannot produce: the lease is released at
   * once and this node stands aside for a while, so that a node that can produce takes over.
   */
  private void giveUp(long ofEpoch, String reason) {
    if (state != State.LEADER || ofEpoch != epoch) {
      return;
    }
    String held = token;
    state = State.FOLLOWER;
    cancelTimers();
    token = null;
    announce(Leadership.follower());
    released = held;
    lease.release(held)
        .onFailure(e -> log.debug("release after giving up failed ({}); the lease expires within {} ms",
            Backoff.oneLine(e), timings.leaseMs()));
    log.debug("node {} gave the lease up (epoch {}): {}", nodeId, epoch, reason);
    scheduleAttempt(timings.standAsideMs());
  }

  private void extendDeadline(long renewalSentAt) {
    long deadline = renewalSentAt + timings.leaseMs() - timings.safetyMarginMs();
    if (deadlineTimer != -1) {
      vertx.cancelTimer(deadlineTimer);
    }
    deadlineTimer = vertx.setTimer(Math.max(1, deadline - nowMs()), id -> {
      deadlineTimer = -1;
      if (state == State.LEADER) {
        stepDown("could not renew the lease before its local deadline");
      }
    });
  }

  private void scheduleAttempt(long delayMs) {
    if (attemptTimer != -1) {
      vertx.cancelTimer(attemptTimer);
    }
    attemptTimer = vertx.setTimer(Math.max(1, delayMs), id -> {
      attemptTimer = -1;
      attempt();
    });
  }

  private void cancelTimers() {
    if (attemptTimer != -1) {
      vertx.cancelTimer(attemptTimer);
      attemptTimer = -1;
    }
    if (deadlineTimer != -1) {
      vertx.cancelTimer(deadlineTimer);
      deadlineTimer = -1;
    }
  }

  private void announce(Leadership leadership) {
    vertx.eventBus().publish(dev.redfleet.redis.NodeScope.address(config(), Leadership.ADDRESS), leadership.toJson());
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }
}
