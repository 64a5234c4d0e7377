package dev.redfleet.ops;

import dev.redfleet.config.ConfigException;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.RedisFailures;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The oldest Redis the fleet runs on, checked before a node writes anything: 6.2, for BLMOVE (the
 * workers' blocking pop), RPOP and LPOP with a count (claims and getErrors) and SET with GET. An
 * older server refuses those commands half way through a run; a node refuses it at start with one
 * line naming the version found. A server that does not show its version (INFO refused by an ACL,
 * or no redis_version line) is let through with a warning; one that does not answer fails the
 * check, so the caller retries.
 */
public final class RedisVersion {
  private static final Logger log = LoggerFactory.getLogger(RedisVersion.class);
  /** The oldest version the fleet runs on. */
  public static final String MINIMUM = "6.2.0";
  private static final long TIMEOUT_MS = 5000;

  private RedisVersion() {}

  /**
   * Completes with the server's version (null when INFO does not show it); fails with a
   * {@link ConfigException} for a server older than {@link #MINIMUM}. {@code where} names the
   * server in the line (no password).
   */
  public static Future<String> check(Redis redis, String where) {
    return redis.send(Request.cmd(Command.INFO).arg("server"))
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .compose(info -> {
          String version = version(info == null ? "" : info.toString());
          if (version == null) {
            log.warn("could not read the Redis version at {} (INFO server does not show it); redfleet needs {} or later",
                where, MINIMUM);
          } else if (!atLeast(version, MINIMUM)) {
            return Future.failedFuture(new ConfigException("Redis " + version + " at " + where + " is too old: redfleet "
                + "needs Redis " + MINIMUM + " or later (BLMOVE, RPOP with a count)"));
          }
          return Future.succeededFuture(version);
        }, e -> {
          if (RedisFailures.errorReply(e) == null) {
            return Future.failedFuture(e);
          }
          // INFO refused (an ACL without +info is supported): nothing to judge by
          log.warn("could not read the Redis version at {} (INFO refused: {}); redfleet needs {} or later",
              where, Backoff.oneLine(e), MINIMUM);
          return Future.succeededFuture(null);
        });
  }


  /** The redis_version line of INFO server, or null. */
  static String version(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("redis_version:")) {
        return line.substring("redis_version:".length()).trim();
      }
    }
    return null;
  }

  /** Whether dotted version {@code version} is at least {@code minimum} (numeric parts; missing ones are 0). */
  static boolean atLeast(String version, String minimum) {
    String[] have = version.split("\\.");
    String[] want = minimum.split("\\.");
    for (int i = 0; i < Math.max(have.length, want.length); i++) {
      long h = i < have.length ? number(have[i]) : 0;
      long w = i < want.length ? number(want[i]) : 0;
      if (h != w) {
        return h > w;
      }
    }
    return true;
  }

  private static long number(String part) {
    int end = 0;
    while (end < part.length() && Character.isDigit(part.charAt(end)) && end < 9) {
      end++;
    }
    return end == 0 ? 0 : Long.parseLong(part.substring(0, end));
  }
}
