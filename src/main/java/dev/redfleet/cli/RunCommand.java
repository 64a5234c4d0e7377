package dev.redfleet.cli;

import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.Setting;
import dev.redfleet.ops.FleetNode;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Join the fleet: take part in the generator election and handle messages.",
        "Runs until SIGTERM/SIGINT, then releases the lease, lets running messages finish for",
        "drainMs and returns the rest to the queue. Survives Redis restarts."})
public final class RunCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  @Mixin
  CommonOptions common;

  @Option(names = "--node-id", paramLabel = "ID", description = "This node's id (default: hostname-pid-random).")
  String nodeId;
  @Option(names = "--workers", paramLabel = "N", description = "Worker verticles (default 2).")
  String workers;
  @Option(names = "--concurrency", paramLabel = "N", description = "Messages in flight per worker verticle (default 256).")
  String concurrency;
  @Option(names = "--interval-ms", paramLabel = "MS", description = "Generation interval; 0 = as fast as possible (default 500).")
  String intervalMs;
  @Option(names = "--batch-size", paramLabel = "N", description = "Messages per produce call at interval 0 (default 500).")
  String batchSize;
  @Option(names = "--limit", paramLabel = "N", description = "Messages the fleet generates in total, counted in Redis; 0 = unbounded (default 0).")
  String limit;
  @Option(names = "--queue-cap", paramLabel = "N", description = "The generator never lets the queue grow past N (default 1000000).")
  String queueCap;
  @Option(names = "--error-rate", paramLabel = "P", description = "Probability that the handler fails (default 0.15).")
  String errorRate;
  @Option(names = "--hang-rate", paramLabel = "P", description = "Probability that the handler never calls back (chaos testing; default 0).")
  String hangRate;
  @Option(names = "--max-delay-ms", paramLabel = "MS", description = "Handler delay is uniform in [0, MS) (default 1000).")
  String maxDelayMs;
  @Option(names = "--handler-timeout-ms", paramLabel = "MS", description = "A handler still running after MS fails as 'timeout' (default 30000).")
  String handlerTimeoutMs;
  @Option(names = "--lease-ms", paramLabel = "MS", description = "Generator lease TTL (default 2000).")
  String leaseMs;
  @Option(names = "--renew-ms", paramLabel = "MS", description = "Lease renewal period (default 500).")
  String renewMs;
  @Option(names = "--retry-ms", paramLabel = "MS", description = "Followers try to take the lease this often (default 250).")
  String retryMs;
  @Option(names = "--heartbeat-ms", paramLabel = "MS", description = "Heartbeat period (default 500).")
  String heartbeatMs;
  @Option(names = "--stale-ms", paramLabel = "MS", description = "A node silent this long is reaped (default 3000).")
  String staleMs;
  @Option(names = "--block-ms", paramLabel = "MS", description = "How long one BLMOVE waits (default 1000).")
  String blockMs;
  @Option(names = "--drain-ms", paramLabel = "MS", description = "On shutdown, how long running messages may finish (default 5000).")
  String drainMs;

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx();
    FleetConfig config;
    try {
      config = common.load(vertx, options());
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    FleetNode node = FleetNode.start(vertx, config).await(Duration.ofSeconds(60));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.stop().await(Duration.ofMillis(config.drainMs() + 10_000L));
        vertx.close().await(Duration.ofSeconds(5));
      } catch (Exception e) {
        log.warn("shutdown did not complete cleanly: {}", e.toString());
      } finally {
        stopped.countDown();
      }
    }, "redfleet-shutdown"));
    stopped.await();
    return 0;
  }

  private Map<Setting, String> options() {
    Map<Setting, String> cli = new EnumMap<>(Setting.class);
    CommonOptions.put(cli, Setting.NODE_ID, nodeId);
    CommonOptions.put(cli, Setting.WORKERS, workers);
    CommonOptions.put(cli, Setting.CONCURRENCY, concurrency);
    CommonOptions.put(cli, Setting.INTERVAL_MS, intervalMs);
    CommonOptions.put(cli, Setting.BATCH_SIZE, batchSize);
    CommonOptions.put(cli, Setting.LIMIT, limit);
    CommonOptions.put(cli, Setting.QUEUE_CAP, queueCap);
    CommonOptions.put(cli, Setting.ERROR_RATE, errorRate);
    CommonOptions.put(cli, Setting.HANG_RATE, hangRate);
    CommonOptions.put(cli, Setting.MAX_DELAY_MS, maxDelayMs);
    CommonOptions.put(cli, Setting.HANDLER_TIMEOUT_MS, handlerTimeoutMs);
    CommonOptions.put(cli, Setting.LEASE_MS, leaseMs);
    CommonOptions.put(cli, Setting.RENEW_MS, renewMs);
    CommonOptions.put(cli, Setting.RETRY_MS, retryMs);
    CommonOptions.put(cli, Setting.HEARTBEAT_MS, heartbeatMs);
    CommonOptions.put(cli, Setting.STALE_MS, staleMs);
    CommonOptions.put(cli, Setting.BLOCK_MS, blockMs);
    CommonOptions.put(cli, Setting.DRAIN_MS, drainMs);
    return cli;
  }
}
