package dev.redfleet.send;

import dev.redfleet.config.RedisUrls;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.RedisConnectionOptions;
import dev.redfleet.redis.RedisFailures;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * What the Java client's futures fail with after Redis failed a call (see
 * {@link dev.redfleet.api.RedfleetClient}): one line each, passwords scrubbed.
 */
final class ClientFailures {
  private ClientFailures() {}

  /**
   * {@link IllegalArgumentException} for a setting this server cannot work with (a database that
   * does not exist), {@link IllegalStateException} when Redis refused us for good or answered with
   * an error, {@link UncheckedIOException} when it did not answer at all.
   */
  static RuntimeException of(RedisConnectionOptions options, Throwable e) {
    var permanent = RedisFailures.permanent(e);
    if (permanent.isPresent()) {
      String reason = RedisUrls.redact(permanent.get().reason()) + " (" + options.describe() + ")";
      return permanent.get().kind() == RedisFailures.Kind.BAD_CONFIG
          ? new IllegalArgumentException("bad configuration: " + reason)
          : new IllegalStateException("Redis refused this client: " + reason);
    }
    Throwable reply = errorReply(e);
    if (reply != null) {
      // an answer, not an outage: a key of the fleet with the wrong type, say
      return new IllegalStateException("Redis refused the send: " + RedisUrls.redact(Backoff.oneLine(reply)));
    }
    String line = "Redis unreachable at " + options.describe() + ": " + RedisUrls.redact(Backoff.oneLine(e));
    return new UncheckedIOException(line, new IOException(line));
  }

  /** An error reply from Redis (the client's ErrorType, a Throwable that is no Exception), or null. */
  static Throwable errorReply(Throwable e) {
    return RedisFailures.errorReply(e);
  }

}
