package dev.redfleet.election;

import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.List;
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
 */
public final class ElectionVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ElectionVerticle.class);

  /** The states of the recipe; each transition is one method below. */
  public enum State { FOLLOWER, LEADER, STOPPED }

  private final Scripts scripts;
  private final Keys keys;
  private final String nodeId;
  private final ElectionTimings timings;
  private final Backoff backoff;

  private State state = State.STOPPED;
  private long epoch;
  private String token;
  private long attemptTimer = -1;
  private long deadlineTimer = -1;

  public ElectionVerticle(Scripts scripts, Keys keys, String nodeId, ElectionTimings timings) {
    this.scripts = scripts;
    this.keys = keys;
    this.nodeId = nodeId;
    this.timings = timings;
    this.backoff = new Backoff(log, "election", timings.retryMs(), Math.max(timings.retryMs(), 2000));
  }

  @Override
  public Future<?> start() {
    state = State.FOLLOWER;
    log.info("node {} joins the election (lease {} ms, renewed every {} ms, followers try every {} ms)",
        nodeId, timings.leaseMs(), timings.renewMs(), timings.retryMs());
    scheduleAttempt(0);
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    State was = state;
    String heldToken = token;
    state = State.STOPPED;
    cancelTimers();
    if (was != State.LEADER) {
      return Future.succeededFuture();
    }
    announce(Leadership.follower());
    return scripts.run(Script.RELEASE_LEASE, List.of(keys.leader()), List.of(heldToken))
        .timeout(2, java.util.concurrent.TimeUnit.SECONDS)
        .onSuccess(r -> log.info("node {} released the lease (epoch {})", nodeId, epoch))
        .onFailure(e -> log.warn("node {} could not release the lease ({}); it expires within {} ms",
            nodeId, Backoff.oneLine(e), timings.leaseMs()))
        .recover(e -> Future.succeededFuture());
  }

  public State state() {
    return state;
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
    scripts.run(Script.ACQUIRE_LEASE, List.of(keys.leader(), keys.epoch()), List.of(nodeId, timings.leaseMs()))
        .onSuccess(r -> {
          backoff.succeeded();
          if (state != State.FOLLOWER) {
            return;
          }
          if (r.get(0).toInteger() == 1) {
            becomeLeader(r.get(1).toLong(), sentAt);
          } else {
            scheduleAttempt(timings.retryMs());
          }
        })
        .onFailure(e -> {
          if (state == State.FOLLOWER) {
            scheduleAttempt(Math.max(timings.retryMs(), backoff.failed(e)));
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
  }

  private void renew() {
    long sentAt = nowMs();
    String renewing = token;
    scripts.run(Script.RENEW_LEASE, List.of(keys.leader()), List.of(renewing, timings.leaseMs()))
        .onSuccess(r -> {
          if (state != State.LEADER || !renewing.equals(token)) {
            return;
          }
          backoff.succeeded();
          if (r.toInteger() == 1) {
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

  /** LEADER -> FOLLOWER. */
  private void stepDown(String reason) {
    state = State.FOLLOWER;
    cancelTimers();
    log.warn("node {} stops generating (epoch {}): {}", nodeId, epoch, reason);
    token = null;
    announce(Leadership.follower());
    scheduleAttempt(timings.retryMs());
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
    vertx.eventBus().publish(Leadership.ADDRESS, leadership.toJson());
  }

  private static long nowMs() {
    return System.nanoTime() / 1_000_000;
  }
}
