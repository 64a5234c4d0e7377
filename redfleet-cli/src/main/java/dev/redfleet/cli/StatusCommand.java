package dev.redfleet.cli;

import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.Visible;
import dev.redfleet.liveness.ClientLiveness;
import dev.redfleet.redis.Backoff;
import dev.redfleet.redis.Scripts;
import dev.redfleet.status.StatusReport;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show the generator, live nodes, queue, messages in flight, counters and audit figures.")
public final class StatusCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Option(names = "--json", description = "One JSON object (per refresh with --watch).")
  boolean json;

  @Option(names = "--watch", description = "Refresh every second until interrupted.")
  boolean watch;

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      FleetConfig config = common.load(vertx, Map.of());
      Redis redis = CommonOptions.connect(vertx, config);
      Scripts scripts = new Scripts(redis);
      CommonOptions.checkShards(vertx, config, redis);
      dev.redfleet.redis.Shards keys = CommonOptions.shards(config);
      ClientLiveness liveness = ClientLiveness.forTopology(redis, config.redis().topology());
      do {
        try {
          JsonObject status = StatusReport.take(scripts, keys, config.staleMs(), liveness).await(Duration.ofSeconds(10));
          System.out.println(json ? Visible.escape(status.encode()) : StatusReport.human(status));
        } catch (Throwable e) {
          RuntimeException failure = CommonOptions.failure(config.redis(), e);
          // the client's error replies (ErrorType) are Throwables, not Exceptions
          if (!(failure instanceof RedisRefusedException) && OneShot.errorReply(e) != null) {
            // Redis answered with an error (a key of the wrong type): not an outage, exit 1
            throw new IllegalStateException("Redis refused the status script: " + Backoff.oneLine(OneShot.errorReply(e)));
          }
          if (!watch || !(failure instanceof RedisUnreachableException)) {
            throw failure;
          }
          System.err.println(Main.errorLine(failure.getMessage()));
        }
        System.out.flush();
        if (watch) {
          Promise<Void> tick = Promise.promise();
          vertx.setTimer(1000, id -> tick.complete());
          tick.future().await();
        }
      } while (watch);
      return 0;
    } finally {
      vertx.close();
    }
  }
}
