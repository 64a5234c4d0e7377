package dev.redfleet.cli;

import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.RedisUrls;
import dev.redfleet.errors.ErrorsOutput;
import dev.redfleet.errors.ErrorsVerticle;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Shards;
import dev.redfleet.redis.RedisFailures;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "getErrors", aliases = "get-errors", mixinStandardHelpOptions = true,
    description = {"Take all error entries out of Redis, print them (stdout) and delete them.",
        "Only entries the consumer has read are deleted (for a pipe: read out of it); the rest go back.",
        "Safe to run concurrently and to kill: nothing is lost, no entry goes to two readers."})
public final class GetErrorsCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(GetErrorsCommand.class);

  @Mixin
  CommonOptions common;

  @Option(names = "--json", description = "Print each entry as stored, one JSON object per line.")
  boolean json;

  @Option(names = "--limit", paramLabel = "N",
      description = "Take at most N entries, N >= 1 (default: all; 0 is refused rather than read as either).")
  Long limit;

  @Option(names = "--keep", description = "Only show the entries; delete nothing.")
  boolean keep;

  @Override
  public Integer call() throws Exception {
    // 0 reads as "none" to some (SQL's LIMIT 0) and as "no limit" to others (BullMQ's clean): it
    // is refused before anything is read, like requeue-errors does; all is the option left out
    if (limit != null && limit < 1) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--limit must be 1 or more, got " + limit + " (leave --limit out to take every entry)");
    }
    Vertx vertx = Vertx.vertx();
    try {
      FleetConfig config = common.load(vertx, Map.of());
      Redis redis = CommonOptions.connect(vertx, config);
      CommonOptions.checkShards(vertx, config, redis);
      Shards shards = CommonOptions.shards(config);
      // one shard after the other, each drained (up to what --limit leaves) before the next: the
      // entries are oldest first within a shard, not across shards
      long printed = 0;
      for (int s = 0; s < shards.count(); s++) {
        long left = limit == null ? 0 : limit - printed;
        if (limit != null && left <= 0) {
          break;
        }
        int shard = s;
        printed += drain(vertx, config, redis, shards.shard(s), left,
            shards.count() == 1 ? null : local -> shards.globalId(shard, local));
      }
      log.info("{} {} error entr{}", keep ? "showed" : "took", printed, printed == 1 ? "y" : "ies");
      return 0;
    } finally {
      try {
        vertx.close().await(Duration.ofSeconds(5));
      } catch (Exception e) {
        log.debug("closing: {}", e.toString());
      }
    }
  }

  /** Drains one shard's errors list (at most {@code max}, 0 = all); completes with the entries printed. */
  private long drain(Vertx vertx, FleetConfig config, Redis redis, Keys keys, long max,
      java.util.function.LongUnaryOperator ids) throws Exception {
    {
      ErrorsVerticle reader = new ErrorsVerticle(redis, keys, ErrorsVerticle.newReaderId(),
          new ErrorsVerticle.Options(json, max, keep), ErrorsOutput.stdout(), ids);
      String deployment = vertx.deployVerticle(reader).await(Duration.ofSeconds(30));
      long printed;
      try {
        // no time limit: a slow consumer is waited for (the reader keeps its lease meanwhile)
        printed = reader.done().await();
      } catch (ErrorsVerticle.RedisFailed e) {
        if (RedisFailures.permanent(e.getCause()).isPresent()) {
          // refused for good (an ACL without a command the reader needs): exit 4 (or 2), as at connect
          throw CommonOptions.failure(config.redis(), e.getCause());
        }
        throw new RedisUnreachableException("lost Redis at " + RedisUrls.redact(config.redisUrl()) + " after "
            + e.delivered + " entries (" + e.getMessage() + "); the entries not yet deleted stay in Redis");
      } finally {
        // awaited: closing Vert.x while this undeploy is still running logs "Already undeployed"
        try {
          vertx.undeploy(deployment).await(Duration.ofSeconds(5));
        } catch (Exception e) {
          log.debug("undeploy: {}", e.toString());
        }
      }
      return printed;
    }
  }
}
