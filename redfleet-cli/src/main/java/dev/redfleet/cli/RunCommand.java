package dev.redfleet.cli;

import dev.redfleet.config.RedisUrls;
import dev.redfleet.config.ConfigLoader;
import dev.redfleet.config.FleetConfig;
import dev.redfleet.config.Setting;
import dev.redfleet.handler.HandlerSource;
import dev.redfleet.ops.ExitGuard;
import dev.redfleet.ops.FleetNode;
import dev.redfleet.ops.IdentityVerticle;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.RedisFailures;
import dev.redfleet.source.SourceSetup;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import io.vertx.core.Vertx;
import java.nio.file.Path;
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
  private static final AtomicBoolean exiting = new AtomicBoolean();

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
  @Option(names = "--min-claim", paramLabel = "N",
      description = "While the handler answers in under 0.1 ms on average: the least a claim takes from a queue holding "
          + "that many, whatever its fair share, if the worker has room (default 32; 0 = the fair share alone).")
  String minClaim;
  @Option(names = "--finish-linger-ms", paramLabel = "MS",
      description = "While the handler takes 20 ms or more on average: how long its outcomes may wait for more to join "
          + "their finish call (default 10; 0 = sent as soon as the last call returns).")
  String finishLingerMs;
  @Option(names = "--drain-ms", paramLabel = "MS", description = "On shutdown, how long running messages may finish (default 5000).")
  String drainMs;
  @Option(names = "--generator-stall-ms", paramLabel = "MS",
      description = "A generator whose produce calls all fail this long gives its lease up (default 15000).")
  String generatorStallMs;
  // retries
  @Option(names = "--attempts", paramLabel = "N", description = "Attempts per message; a failure with attempts left is retried after a backoff (default 1: no retry).")
  String attempts;
  @Option(names = "--backoff-ms", paramLabel = "MS", description = "First retry delay; doubles per attempt, with jitter (default 1000).")
  String backoffMs;
  @Option(names = "--backoff-max-ms", paramLabel = "MS", description = "Longest retry delay (default 60000).")
  String backoffMaxMs;
  // the audit
  @Option(names = "--audit-retention-hours", paramLabel = "H",
      description = "Delete the bitmap of a complete audit segment (2^24 ids) this many hours after it completed (default -1: keep).")
  String auditRetentionHours;
  // handlers
  @Option(names = "--handler", paramLabel = "NAME",
      description = "The handler: a HandlerFactory name or a class name on the class path (default simulated). See docs/HANDLERS.md.")
  String handler;
  @Option(names = "--plugins", paramLabel = "DIR", description = "Also load handlers from every .jar in DIR (default: none).")
  String plugins;
  @Option(names = "--handler-threads", paramLabel = "N", description = "Threads that run blocking handlers (default 16).")
  String handlerThreads;
  // HTTP: metrics, health, the live page
  @Option(names = "--http-port", paramLabel = "PORT",
      description = "Serve /metrics, /health and the live page on PORT; 0 = a free port, -1 = off (default -1).")
  String httpPort;
  @Option(names = "--http-host", paramLabel = "ADDR", description = "Address the HTTP port binds (default 127.0.0.1).")
  String httpHost;
  @Option(names = "--http-port-file", paramLabel = "FILE", description = "Write the HTTP port listened on into FILE.")
  String httpPortFile;
  // liveness
  @Option(names = "--liveness-ms", paramLabel = "MS",
      description = "How often the connections of the generator and of the nodes are checked; 0 = timeouts only (default 50).")
  String livenessMs;
  @Option(names = "--rate", paramLabel = "N",
      description = "Generate N messages per second, paced, instead of --interval-ms; 0 = off (default 0).")
  String rate;
  @Option(names = "--latency-report-ms", paramLabel = "MS",
      description = "Every MS, each worker writes its pickup-latency histogram to Redis (for bench); 0 = off (default 0).")
  String latencyReportMs;
  // Redis deployments
  @Option(names = "--wait-replicas", paramLabel = "N",
      description = "After each lease, produce and finish write, WAIT until N replicas have it (default 0 = off).")
  String waitReplicas;
  @Option(names = "--wait-timeout-ms", paramLabel = "MS", description = "Longest WAIT for --wait-replicas (default 1000).")
  String waitTimeoutMs;
  // messages in: sources, the leader handling, HTTP sends
  @Option(names = "--source", paramLabel = "NAME",
      description = "What the elected generator emits: simulated (default), none, lines, schedule, or a Source plug-in's name or class. See docs/SOURCES.md.")
  String source;
  @Option(names = "--source-file", paramLabel = "FILE", description = "The file of --source lines: each line once, appends followed.")
  String sourceFile;
  @Option(names = "--schedule", paramLabel = "CRON",
      description = "The cron expression of --source schedule: 5 Unix fields, or 6 with seconds first.")
  String schedule;
  @Option(names = "--schedule-body", paramLabel = "TEXT", description = "The body of each --source schedule message.")
  String scheduleBody;
  @Option(names = "--source-poll-ms", paramLabel = "MS",
      description = "How long the generator waits before asking a source that had nothing again (default 100).")
  String sourcePollMs;
  @Option(names = "--leader-handles", paramLabel = "auto|true|false",
      description = "Whether the elected node also runs workers (default auto: yes unless --source simulated).")
  String leaderHandles;
  @Option(names = "--http-token-file", paramLabel = "FILE",
      description = "File whose first line is the bearer token POST /messages requires (env REDFLEET_HTTP_TOKEN).")
  String httpTokenFile;
  @Option(names = "--max-body-bytes", paramLabel = "N", description = "Largest message body POST /messages on this node accepts, in bytes (default 1048576).")
  String maxBodyBytes;
  @Option(names = "--dedup-window-ms", paramLabel = "MS", description = "How long a message key deduplicates sends (default 86400000).")
  String dedupWindowMs;

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx();
    FleetConfig config;
    HandlerSource handlers;
    FleetNode node;
    try {
      config = common.load(vertx, options());
      Path file = ConfigLoader.fileToRead(common.config);
      if (file == null) {
        log.info("no configuration file ({} not found): defaults, environment and options apply", ConfigLoader.DEFAULT_FILE);
      } else {
        log.info("configuration file: {}", file.toAbsolutePath());
      }
      // what this node runs with, whichever source each value came from (secrets: only whether set)
      log.info("settings: {}", dev.redfleet.config.VisibleSettings.forLog(config).encode());
      handlers = HandlerSource.named(config);
      node = FleetNode.create(vertx, config, handlers, SourceSetup.named(config));
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    refusedForGood(vertx, config);
    RedisFailures.onPermanent(permanent -> {
      // said once, then the process ends: retrying a refused password only floods the logs
      if (exiting.compareAndSet(false, true)) {
        log.error("Redis refused this node for good, stopping: {}", RedisUrls.redact(permanent.reason()));
        Thread exit = new Thread(() -> ExitGuard.exit(
            permanent.kind() == RedisFailures.Kind.BAD_CONFIG ? Main.BAD_USAGE : Main.REDIS_REFUSED,
            "Redis refused this node for good"), "redfleet-refused");
        exit.start();
      }
    });
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      boolean left = false;
      try {
        node.stop().await(Duration.ofMillis(config.drainMs() + 10_000L));
        left = true;
        vertx.close().await(Duration.ofSeconds(5));
      } catch (Exception e) {
        log.warn("shutdown did not complete cleanly: {}", e.toString());
      } finally {
        // an exit nobody in the node asked for (a handler's System.exit(0)) must not end with 0;
        // before the count-down, which lets the launcher's own exit mark the end as intended
        ExitGuard.haltIfUnexpected(left);
        stopped.countDown();
      }
    }, "redfleet-shutdown"));
    try {
      // no time limit: a node started while Redis is down waits for it (and says so once)
      node.start().await();
    } catch (Exception e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof IdentityVerticle.NodeIdInUseException inUse) {
          throw inUse;
        }
        if (t instanceof dev.redfleet.redis.store.DataFormat.MismatchException mismatch) {
          throw mismatch;
        }
      }
      if (!node.stopRequested()) {
        throw e;
      }
    }
    // another live process took this node's id while it was disconnected: the node stops itself
    // (without giving back what the id holds, which is the other process's now) and run ends with
    // one line and exit 2, as for an id in use at start; the shutdown hook waits for the stop
    AtomicReference<IdentityVerticle.NodeIdInUseException> lost = new AtomicReference<>();
    node.identityLost().onSuccess(e -> {
      lost.set(e);
      stopped.countDown();
    });
    stopped.await();
    if (lost.get() != null) {
      throw lost.get();
    }
    return 0;
  }

  /**
   * One PING before joining: credentials, permissions, TLS or a missing database end the command
   * at once (exit 4 or 2). A Redis that does not answer is not an error here: the node waits for it.
   */
  private static void refusedForGood(Vertx vertx, FleetConfig config) {
    Redis probe = RedisConnector.create(vertx, config.redis()).pooled(1);
    try {
      probe.send(Request.cmd(io.vertx.redis.client.Command.PING)).await(Duration.ofSeconds(10));
    } catch (Throwable e) {
      RuntimeException failure = CommonOptions.failure(config.redis(), e);
      // sentinels that do not know the master name may learn it: run waits, and keeps saying so
      if (!(failure instanceof RedisUnreachableException) && RedisFailures.misconfigured(e).isEmpty()) {
        vertx.close();
        throw failure;
      }
    } finally {
      probe.close();
    }
  }

  Map<Setting, String> options() {
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
    CommonOptions.put(cli, Setting.MIN_CLAIM, minClaim);
    CommonOptions.put(cli, Setting.FINISH_LINGER_MS, finishLingerMs);
    CommonOptions.put(cli, Setting.DRAIN_MS, drainMs);
    CommonOptions.put(cli, Setting.GENERATOR_STALL_MS, generatorStallMs);
    // retries
    CommonOptions.put(cli, Setting.ATTEMPTS, attempts);
    CommonOptions.put(cli, Setting.BACKOFF_MS, backoffMs);
    CommonOptions.put(cli, Setting.BACKOFF_MAX_MS, backoffMaxMs);
    CommonOptions.put(cli, Setting.AUDIT_RETENTION_HOURS, auditRetentionHours);
    // handlers
    CommonOptions.put(cli, Setting.HANDLER, handler);
    CommonOptions.put(cli, Setting.PLUGINS, plugins);
    CommonOptions.put(cli, Setting.HANDLER_THREADS, handlerThreads);
    // HTTP: metrics, health, the live page
    CommonOptions.put(cli, Setting.HTTP_PORT, httpPort);
    CommonOptions.put(cli, Setting.HTTP_HOST, httpHost);
    CommonOptions.put(cli, Setting.HTTP_PORT_FILE, httpPortFile);
    // liveness
    CommonOptions.put(cli, Setting.LIVENESS_MS, livenessMs);
    CommonOptions.put(cli, Setting.RATE, rate);
    CommonOptions.put(cli, Setting.LATENCY_REPORT_MS, latencyReportMs);
    CommonOptions.put(cli, Setting.WAIT_REPLICAS, waitReplicas);
    CommonOptions.put(cli, Setting.WAIT_TIMEOUT_MS, waitTimeoutMs);
    // messages in
    CommonOptions.put(cli, Setting.SOURCE, source);
    CommonOptions.put(cli, Setting.SOURCE_FILE, sourceFile);
    CommonOptions.put(cli, Setting.SCHEDULE, schedule);
    CommonOptions.put(cli, Setting.SCHEDULE_BODY, scheduleBody);
    CommonOptions.put(cli, Setting.SOURCE_POLL_MS, sourcePollMs);
    CommonOptions.put(cli, Setting.LEADER_HANDLES, leaderHandles);
    CommonOptions.put(cli, Setting.HTTP_TOKEN_FILE, httpTokenFile);
    CommonOptions.put(cli, Setting.MAX_BODY_BYTES, maxBodyBytes);
    CommonOptions.put(cli, Setting.DEDUP_WINDOW_MS, dedupWindowMs);
    return cli;
  }
}
