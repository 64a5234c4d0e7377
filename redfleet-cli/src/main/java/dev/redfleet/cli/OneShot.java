package dev.redfleet.cli;

import dev.redfleet.config.ConfigException;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.RedisFailures;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis calls of the small one-shot commands (pause, resume, requeue-errors) and how their
 * failures end the command: unreachable (exit 3) or refused for good (exit 4) as at connect, and
 * an error reply of a script (a fleet key of the wrong type) as one line, exit 1.
 */
final class OneShot {
  private static final Logger log = LoggerFactory.getLogger(OneShot.class);
  /** Longer than a script call's own timeout (Scripts.CALL_TIMEOUT_MS): that one answers first. */
  static final Duration CALL_WAIT = Duration.ofSeconds(15);

  private OneShot() {}

  /** Waits for {@code call}; a failure becomes the exception that ends the command with its exit code. */
  static <T> T await(FleetConfig config, String what, Future<T> call) {
    try {
      return call.await(CALL_WAIT);
    } catch (Throwable e) {
      throw failed(config, what, e);
    }
  }

  static RuntimeException failed(FleetConfig config, String what, Throwable e) {
    RuntimeException failure = CommonOptions.failure(config.redis(), e);
    Throwable reply = errorReply(e);
    if (reply != null && !(failure instanceof RedisRefusedException) && !(failure instanceof ConfigException)) {
      // Redis answered with an error (a key of the wrong type): not an outage
      return new IllegalStateException("Redis refused " + what + ": " + Backoff.oneLine(reply));
    }
    return failure;
  }

  /** The client's error reply (its ErrorType, a Throwable that is no Exception), if that is what failed. */
  static Throwable errorReply(Throwable e) {
    return RedisFailures.errorReply(e);
  }

  static void close(Vertx vertx) {
    try {
      vertx.close().await(Duration.ofSeconds(5));
    } catch (Exception e) {
      log.debug("closing: {}", e.toString());
    }
  }
}
