package dev.redfleet.ops;

import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.RedisConnectionOptions;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks at start, behind Sentinel, that the master refuses writes when it is cut off from its
 * replicas ({@code min-replicas-to-write}). Without it a partition can leave two masters taking
 * writes for as long as it lasts: the sentinels promote a replica on one side, the old master goes
 * on on the other, and a generator on each hands out the same ids and epochs; the old master's
 * writes are thrown away when it rejoins as a replica. Read from {@code INFO replication}, which
 * shows {@code min_slaves_good_slaves} only when the setting is on. The check only warns.
 */
public final class SplitBrainCheck {
  private static final Logger log = LoggerFactory.getLogger(SplitBrainCheck.class);
  private static final long TIMEOUT_MS = 3000;
  /** What the warning says to set (also in docs/DEPLOYMENTS.md). */
  static final String SETTINGS = "min-replicas-to-write 1 and min-replicas-max-lag 10";

  private SplitBrainCheck() {}

  /** Logs a warning behind Sentinel unless the master has min-replicas-to-write; always succeeds. */
  public static Future<Void> check(Redis redis, RedisConnectionOptions.Topology topology) {
    if (topology != RedisConnectionOptions.Topology.SENTINEL) {
      return Future.succeededFuture();
    }
    return redis.send(Request.cmd(Command.INFO).arg("replication"))
        .timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .map(info -> {
          if (!guarded(info == null ? "" : info.toString())) {
            log.warn("SPLIT BRAIN POSSIBLE: the Redis master does not set min-replicas-to-write. If it is cut off from "
                + "its replicas while the sentinels promote one, two masters take writes and two generators hand out "
                + "the same ids and epochs; the old master's writes are dropped when it rejoins. Set {} on every data "
                + "node (redis.conf, or CONFIG SET): a cut-off master then refuses writes within 10 s", SETTINGS);
          }
          return (Void) null;
        })
        .recover(e -> {
          log.warn("could not check the Redis master's min-replicas-to-write ({}); without {} a partition can leave two "
              + "masters, and two generators, taking writes", Backoff.oneLine(e), SETTINGS);
          return Future.succeededFuture();
        });
  }

  /** Whether INFO replication shows min-replicas-to-write in force (the min_slaves_good_slaves line). */
  static boolean guarded(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("min_slaves_good_slaves:")) {
        return true;
      }
    }
    return false;
  }
}
