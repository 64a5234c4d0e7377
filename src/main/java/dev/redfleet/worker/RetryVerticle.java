package dev.redfleet.worker;

import dev.redfleet.election.Leadership;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.LogThrottle;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.send.Sender;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * While this node is the leader, moves retries and delayed sends whose due time has come from the
 * delayed set back to the queue ({@code retry-due.lua}). The delayed set belongs to no node, so a
 * retry survives the death of the node that failed it, and of the leader: the next leader moves it.
 * What the fleet did not write there (a forged entry, one scored beyond {@link #HORIZON_MS}) goes
 * to the errors list as malformed instead.
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

  private final Scripts scripts;
  private final Keys keys;
  private final String nodeId;
  private final long intervalMs;
  private final Backoff backoff = new Backoff(log, "retry mover", 100, 5000);
  private final LogThrottle forged = new LogThrottle(log);
  private MessageConsumer<JsonObject> consumer;
  private long timer = -1;
  private boolean passRunning;

  /**
   * @param nodeId this node, named in the errors entries of what it does not move
   * @param intervalMs how often the leader looks for due retries
   */
  public RetryVerticle(Scripts scripts, Keys keys, String nodeId, long intervalMs) {
    this.scripts = scripts;
    this.keys = keys;
    this.nodeId = nodeId;
    this.intervalMs = intervalMs;
  }

  /** The arguments of {@code retry-due.lua}: at most {@code max} entries, errors entries naming {@code nodeId}. */
  public static List<Object> args(int max, String nodeId) {
    return List.of(max, nodeId, HORIZON_MS);
  }

  /** How often to look for due retries: a fraction of the shortest backoff, within [10, 250] ms. */
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
    if (timer == -1) {
      timer = vertx.setPeriodic(1, intervalMs, id -> pass());
    }
  }

  private void stopMoving() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void pass() {
    if (passRunning) {
      return;
    }
    passRunning = true;
    scripts.run(Script.RETRY_DUE, keys.retryDue(), args(PER_CALL, nodeId)).onComplete(ar -> {
      passRunning = false;
      if (ar.failed()) {
        backoff.failed(ar.cause());
        return;
      }
      backoff.succeeded();
      long malformed = ar.result().get(2).toLong();
      if (malformed > 0) {
        forged.warn(malformed + " entr" + (malformed == 1 ? "y" : "ies") + " of the delayed set not written by the fleet "
            + "(forged, or scored beyond " + HORIZON_MS / 86_400_000L + " days) went to the errors list as malformed");
      }
      if (ar.result().get(0).toLong() + malformed == PER_CALL && timer != -1) {
        pass();
      }
    });
  }
}
