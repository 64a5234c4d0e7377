package dev.redfleet.worker;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.LogThrottle;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.FleetStore;
import dev.redfleet.redis.store.QueueStore;
import dev.redfleet.send.Sender;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * While this node is the leader, moves retries and delayed sends whose due time has come from the
 * delayed set back to the queue ({@code retry-due.lua}). The delayed set belongs to no node, so a
 * retry survives the death of the node that failed it, and of the leader: the next leader moves it.
 * What the fleet did not write there (a forged entry, one scored beyond {@link #HORIZON_MS}) goes
 * to the errors list as malformed instead.
 *
 * <p>It does not poll. After each call it waits, on a connection of its own, in a BLMOVE on the
 * list {@link Keys#delayedWake()} until the earliest entry left is due (retry-due says when), at
 * most {@link #SAFETY_MS}: send and finish put an element there in the same script call as they
 * add to the delayed set (lua/lib/wake.lua), which ends the wait at once, and retry-due deletes it.
 * So with an empty delayed set (attempts = 1, no delayed sends) the mover costs one call every
 * {@link #SAFETY_MS}, and a new delayed message is looked at as soon as it is written. Where the
 * BLMOVE fails (an ACL without it, a full Redis refusing it, no blocking client given) the mover
 * looks every {@code intervalMs} instead, as before, and tries the BLMOVE again after
 * {@link #UNBLOCKED_MS}; a lost connection only costs one look after {@code intervalMs}, and the next
 * wait is on a new connection.
 */
public final class RetryVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(RetryVerticle.class);
  /** Most retries moved per script call; a full call is followed by another at once. */
  static final int PER_CALL = 1000;
  /**
   * An entry scored further ahead than this was not written by the fleet: a send is delayed at most
   * {@link Sender#MAX_DELAY} (plus a day for clocks), a retry at most backoffMaxMs (a day).
   */
  public static final long HORIZON_MS = Sender.MAX_DELAY.plusDays(1).toMillis();
  /**
   * The longest wait without a wake: what was written to the delayed set without one (by hand, by a
   * node of an older release, forged) is looked at within this.
   */
  public static final long SAFETY_MS = 5000;
  /** After a failed BLMOVE, how long the mover polls every intervalMs before it blocks again. */
  static final long UNBLOCKED_MS = 30_000;

  private final QueueStore queue;
  private final String nodeId;
  private final long intervalMs;
  private final Supplier<Redis> blockingClients;
  private final Backoff backoff = new Backoff(log, "retry mover", 100, 5000);
  private final LogThrottle forged = new LogThrottle(log);
  private final LogThrottle unblocked = new LogThrottle(log);
  private MessageConsumer<JsonObject> consumer;
  /** Bumped whenever this node starts or stops leading: an answer of an older round is ignored. */
  private long round;
  private boolean leading;
  private long timer = -1;
  private Redis blocking;
  private long blockAgainAt = Long.MIN_VALUE;

  /** A mover that polls every {@code intervalMs} (no blocking client): tools and tests. */
  public RetryVerticle(Scripts scripts, Keys keys, String nodeId, long intervalMs) {
    this(scripts, keys, nodeId, intervalMs, null);
  }

  /**
   * @param nodeId this node, named in the errors entries of what it does not move
   * @param intervalMs how often the leader looks for due retries when it cannot block
   * @param blockingClients makes a client of one connection for the BLMOVE (a new one after a failure)
   */
  public RetryVerticle(Scripts scripts, Keys keys, String nodeId, long intervalMs, Supplier<Redis> blockingClients) {
    this.queue = new FleetStore(scripts, keys).queue();
    this.nodeId = nodeId;
    this.intervalMs = intervalMs;
    this.blockingClients = blockingClients;
  }

  /** The arguments of {@code retry-due.lua}: at most {@code max} entries, errors entries naming {@code nodeId}. */
  public static List<Object> args(int max, String nodeId) {
    return QueueStore.retryDueArgs(max, nodeId, HORIZON_MS);
  }

  /** How often to look for due retries without a wake: a fraction of the shortest backoff, within [10, 250] ms. */
  public static long intervalFor(long backoffMs) {
    return Math.max(10, Math.min(250, backoffMs / 2));
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().localConsumer(dev.redfleet.redis.NodeScope.address(config(), Leadership.ADDRESS), message -> {
      if (Leadership.fromJson(message.body()).leader()) {
        startMoving();
      } else {
        stopMoving();
      }
    });
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    stopMoving();
    return consumer.unregister();
  }

  private void startMoving() {
    if (!leading) {
      leading = true;
      pass(++round);
    }
  }

  private void stopMoving() {
    if (leading) {
      leading = false;
      round++;
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      // closing the client also ends a BLMOVE pending on the server
      closeBlocking();
    }
  }

  private void pass(long mine) {
    if (mine != round) {
      return;
    }
    queue.retryDue(PER_CALL, nodeId, HORIZON_MS).onComplete(ar -> {
      if (mine != round) {
        return;
      }
      if (ar.failed()) {
        later(mine, backoff.failed(ar.cause()));
        return;
      }
      backoff.succeeded();
      QueueStore.RetriesMoved r = ar.result();
      long malformed = r.malformed();
      if (malformed > 0) {
        forged.warn(malformed + " entr" + (malformed == 1 ? "y" : "ies") + " of the delayed set not written by the fleet "
            + "(forged, or scored beyond " + HORIZON_MS / 86_400_000L + " days) went to the errors list as malformed");
      }
      if (r.moved() + malformed == PER_CALL) {
        pass(mine);
        return;
      }
      long next = r.nextDueMs();
      awaitWake(mine, next < 0 ? SAFETY_MS : Math.min(next, SAFETY_MS));
    });
  }

  /** Waits up to {@code ms} for a wake (BLMOVE), then looks again; without a blocking client, polls. */
  private void awaitWake(long mine, long ms) {
    if (blockingClients == null || System.nanoTime() < blockAgainAt) {
      later(mine, Math.min(ms, intervalMs));
      return;
    }
    if (blocking == null) {
      blocking = blockingClients.get();
    }
    queue.awaitWake(blocking, ms).onComplete(ar -> {
      if (mine != round) {
        return;
      }
      if (ar.failed()) {
        closeBlocking();
        if (refused(ar.cause())) {
          blockAgainAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UNBLOCKED_MS);
          unblocked.warn("retry mover: Redis refuses the BLMOVE it waits in (" + Backoff.oneLine(ar.cause())
              + "); it looks every " + intervalMs + " ms instead for " + UNBLOCKED_MS / 1000 + " s");
        } else {
          // a connection lost (a restart, a failover): the next wait is on a new one
          log.debug("retry mover: the BLMOVE it waits in failed ({})", Backoff.oneLine(ar.cause()));
        }
        later(mine, intervalMs);
        return;
      }
      // woken by a new delayed entry, or the earliest one is due: look
      pass(mine);
    });
  }

  /** Redis answered the BLMOVE with a refusal (ACL, a full Redis, the wake key of another type), not a lost connection. */
  private static boolean refused(Throwable failure) {
    String m = String.valueOf(failure.getMessage());
    return m.startsWith("NOPERM") || m.startsWith("OOM") || m.startsWith("WRONGTYPE") || m.startsWith("ERR")
        || m.contains("no permissions");
  }

  private void later(long mine, long ms) {
    timer = vertx.setTimer(Math.max(1, ms), id -> {
      timer = -1;
      pass(mine);
    });
  }

  private void closeBlocking() {
    Redis client = blocking;
    blocking = null;
    if (client != null) {
      client.close();
    }
  }
}
