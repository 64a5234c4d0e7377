package dev.redfleet.ops;

import dev.redfleet.redis.Backoff;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks at start that Redis never evicts keys ({@code maxmemory-policy noeviction}), as BullMQ
 * does: an evicting Redis silently drops seq, epoch, the in-flight hashes or the audit bitmap, and
 * with them every guarantee (ids are reused, messages vanish). The policy is read from
 * {@code INFO memory}, which managed Redis services allow where {@code CONFIG GET} is refused.
 * The check only warns; it never stops a node.
 */
public final class MemoryPolicy {
  private static final Logger log = LoggerFactory.getLogger(MemoryPolicy.class);
  private static final long TIMEOUT_MS = 3000;

  private MemoryPolicy() {}

  /** Logs a warning unless the policy is noeviction; always succeeds. */
  public static Future<Void> check(Redis redis) {
    return redis.send(Request.cmd(Command.INFO).arg("memory"))
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(info -> {
          String policy = policy(info == null ? "" : info.toString());
          if (policy == null) {
            log.warn("could not check Redis' maxmemory-policy (INFO memory does not show it); redfleet needs noeviction");
          } else if (!policy.equals("noeviction")) {
            log.warn("REDIS EVICTS KEYS: maxmemory-policy is '{}'. redfleet needs 'noeviction': an evicting Redis can "
                + "drop seq, epoch or messages in flight, reusing ids and losing messages. "
                + "Set it with: CONFIG SET maxmemory-policy noeviction", policy);
          }
          return (Void) null;
        })
        .recover(e -> {
          log.warn("could not check Redis' maxmemory-policy ({}); redfleet needs noeviction", Backoff.oneLine(e));
          return Future.succeededFuture();
        });
  }

  /** The value of the maxmemory_policy line of INFO, or null. */
  static String policy(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("maxmemory_policy:")) {
        return line.substring("maxmemory_policy:".length()).trim();
      }
    }
    return null;
  }
}
