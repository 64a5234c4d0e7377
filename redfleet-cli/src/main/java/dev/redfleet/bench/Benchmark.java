package dev.redfleet.bench;

import dev.redfleet.config.RedisUrls;
import dev.redfleet.metrics.LatencyHistogram;
import dev.redfleet.redis.HashReply;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Shards;
import dev.redfleet.redis.RedisConnector;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The {@code bench} command: a whole fleet of real processes on this machine, timed from launch
 * until every message has an outcome, with Redis and JVM costs.
 *
 * <p>It runs on the command's own thread and waits on Redis answers; it never runs on an event loop.
 */
public final class Benchmark {
  /** JVM options of every fleet process the benchmark starts. */
  static final List<String> JVM_OPTIONS = List.of("-Xms256m", "-Xmx384m", "-XX:+UseParallelGC", "-XX:TieredStopAtLevel=1");

  /**
   * @param processes fleet processes (one becomes the generator)
   * @param messages messages to produce and finish
   * @param idleSeconds 0 for a throughput run; otherwise measure an idle fleet at the default
   *                    500 ms interval for this long
   * @param redisUrl an existing Redis, or null to start a private redis-server
   * @param rate 0: produce as fast as possible; otherwise produce {@code messages} at this many per
   *             second (paced mode, for pickup latency at a given load)
   */
  public record Options(int processes, long messages, int workers, int concurrency, int maxDelayMs,
                        double errorRate, int batchSize, long idleSeconds, String redisUrl, String namespace,
                        boolean metrics, long rate,
                        // Redis deployments
                        int replicas, int waitReplicas,
                        // messages in: sent by the bench through the Sender, the fleet running --source none
                        boolean send,
                        // shards of the bench's namespace (1: one hash tag, as before shards)
                        int shards) {
    /** In the default namespace prefix, without the metrics switch (each node's HTTP port and meters off), not paced. */
    public Options(int processes, long messages, int workers, int concurrency, int maxDelayMs,
                   double errorRate, int batchSize, long idleSeconds, String redisUrl) {
      this(processes, messages, workers, concurrency, maxDelayMs, errorRate, batchSize, idleSeconds, redisUrl, "bench",
          false, 0, 0, 0, false, 1);
    }

    public Options(int processes, long messages, int workers, int concurrency, int maxDelayMs,
                   double errorRate, int batchSize, long idleSeconds, String redisUrl, String namespace,
                   boolean metrics, long rate, int replicas, int waitReplicas, boolean send) {
      this(processes, messages, workers, concurrency, maxDelayMs, errorRate, batchSize, idleSeconds, redisUrl, namespace,
          metrics, rate, replicas, waitReplicas, send, 1);
    }
  }

  /** The bench namespace's shards (set when the run starts). */
  private Shards shards;

  /** How often each worker writes its latency histogram to Redis during a run. */
  static final int LATENCY_REPORT_MS = 500;
  /**
   * Paced mode: messages produced in the first WARM_UP_S seconds (JVMs starting and compiling) are
   * not measured. Latency is recorded for messages produced from a Redis time set once this much
   * has been produced, plus 1 s so that every worker has read it (it reads it every 500 ms).
   */
  static final int WARM_UP_S = 3;

  private final Options options;
  private final PrintStream progress;
  private final Vertx vertx = Vertx.vertx();
  private Process redisServer;
  private final List<Process> replicaServers = new ArrayList<>();
  private Path workDir;
  private FleetLauncher launcher;

  public Benchmark(Options options, PrintStream progress) {
    this.options = options;
    this.progress = progress;
  }

  public JsonObject run() throws Exception {
    workDir = Files.createTempDirectory("redfleet-bench");
    launcher = new FleetLauncher(workDir, JVM_OPTIONS);
    String url;
    if (options.redisUrl() != null) {
      url = options.redisUrl();
    } else {
      FleetLauncher.PrivateRedis privateRedis = launcher.startRedis(vertx);
      redisServer = privateRedis.process();
      startReplicas(privateRedis.url());
      url = privateRedis.url();
    }
    // always a fresh namespace, never one a fleet may be using: the configured one is its prefix
    String namespace = options.namespace() + "-bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    Keys keys = new Keys(namespace);
    shards = new Shards(keys, options.shards());
    Redis redis = RedisConnector.create(vertx, url).pooled(2);
    List<Process> fleet = new ArrayList<>();
    try {
      call(redis, Request.cmd(Command.PING));
      call(redis, Request.cmd(Command.CONFIG).arg("RESETSTAT"));
      double redisCpuBefore = redisCpu(redis);
      long launched = System.nanoTime();
      for (int i = 0; i < options.processes(); i++) {
        fleet.add(startNode(url, namespace, i));
      }
      BenchSender sender = null;
      if (options.send() && options.idleSeconds() == 0) {
        sender = new BenchSender(redis, shards, options.messages() + warmUpMessages(), options.rate(), options.batchSize());
        senderThread = sender.start();
        this.sender = sender;
      }
      JsonObject report = options.idleSeconds() > 0
          ? idle(redis, keys, fleet, launched)
          : throughput(redis, keys, fleet, launched);
      report.put("redis_cpu_s", round(redisCpu(redis) - redisCpuBefore));
      report.put("redis_peak_bytes", Long.parseLong(info(redis, "memory", "used_memory_peak")));
      report.put("redis", options.redisUrl() != null ? RedisUrls.redact(url) : "private redis-server "
          + info(redis, "server", "redis_version"));
      report.put("namespace", namespace);
      return report;
    } finally {
      FleetLauncher.stopAll(fleet, Duration.ofSeconds(20));
      if (options.redisUrl() != null) {
        deleteKeys(redis, shards);
      }
      redis.close();
      for (Process replica : replicaServers) {
        replica.destroyForcibly();
        replica.waitFor(10, TimeUnit.SECONDS);
      }
      if (redisServer != null) {
        redisServer.destroyForcibly();
        redisServer.waitFor(10, TimeUnit.SECONDS);
      }
      vertx.close();
    }
  }

  private boolean measuring;
  private BenchSender sender;
  private Thread senderThread;

  /** Paced: the warm-up; otherwise measure from the start (as the fleet starts). */
  private long warmUpMessages() {
    return options.rate() > 0 ? options.rate() * WARM_UP_S : 0;
  }

  private JsonObject throughput(Redis redis, Keys keys, List<Process> fleet, long launched) throws Exception {
    long target = options.messages() + warmUpMessages();
    long firstProducedAt = 0;
    long lastLine = System.nanoTime();
    long lastDone = 0;
    long done;
    List<ProcessStats> lastStats = new ArrayList<>();
    while (true) {
      long produced = 0;
      done = 0;
      long queued = 0;
      // one call per shard: a shard's keys are in one slot
      for (Keys shard : shards.all()) {
        Response r = call(redis, Request.cmd(Command.EVAL).arg(PROGRESS_LUA).arg(2).arg(shard.stats()).arg(shard.queue()));
        produced += r.get(0).toLong();
        done += r.get(1).toLong();
        queued += r.get(2).toLong();
      }
      long now = System.nanoTime();
      if (firstProducedAt == 0 && produced > 0) {
        firstProducedAt = now;
      }
      if (!measuring && produced >= warmUpMessages()) {
        measuring = true;
        Response time = call(redis, Request.cmd(Command.TIME));
        long redisMs = time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000;
        call(redis, Request.cmd(Command.SET).arg(keys.latencyFrom()).arg(redisMs + 1000));
      }
      if (sender != null && sender.failure() != null) {
        throw new IllegalStateException("the bench's sender failed: " + sender.failure());
      }
      for (Process p : fleet) {
        if (!p.isAlive()) {
          throw new IllegalStateException("a fleet process exited early (code " + p.exitValue() + "); see its log in " + workDir);
        }
      }
      lastStats = fleet.stream().map(p -> ProcessStats.of(p.pid())).toList();
      if (done >= target) {
        break;
      }
      if (now - lastLine >= 1_000_000_000L) {
        double secs = (now - launched) / 1e9;
        double rateNow = (done - lastDone) / ((now - lastLine) / 1e9);
        double rateAvg = done / secs;
        long eta = rateAvg > 0 ? Math.round((target - done) / rateAvg) : -1;
        progress.printf(Locale.ROOT, "%6.1fs  produced %,d  finished %,d  now %,.0f/s  avg %,.0f/s  queue %,d  in flight %,d  ETA %ss%n",
            secs, produced, done, rateNow, rateAvg, queued, Math.max(0, produced - done - queued), eta < 0 ? "?" : eta);
        progress.flush();
        lastLine = now;
        lastDone = done;
      }
      pause(50);
    }
    long finished = System.nanoTime();
    double wall = (finished - launched) / 1e9;
    double processing = (finished - firstProducedAt) / 1e9;
    // the final check reads every segment (once, O(history)); a running fleet reads only the counter
    long audited = 0;
    long[] totals = new long[6];
    for (int s = 0; s < shards.count(); s++) {
      Keys shard = shards.shard(s);
      Response seq = call(redis, Request.cmd(Command.GET).arg(shard.seq()));
      long part = shards.count() == 1 ? target : Math.max(0, shards.shardLimit(s, target));
      audited += dev.redfleet.redis.AuditReader.count(r -> call(redis, r), shard,
          Math.max(part, seq == null ? 0 : seq.toLong()));
      Response one = call(redis, Request.cmd(Command.HMGET).arg(shard.stats())
          .arg("produced").arg("processed").arg("failed").arg("duplicates").arg("requeued").arg("stale_dropped"));
      for (int i = 0; i < totals.length; i++) {
        totals[i] += number(one.get(i));
      }
    }
    JsonObject report = new JsonObject()
        .put("messages", target)
        .put("processes", options.processes())
        .put("max_delay_ms", options.maxDelayMs())
        .put("error_rate", options.errorRate())
        .put("wall_s", round(wall))
        .put("processing_s", round(processing))
        .put("msgs_per_s", Math.round(target / wall))
        .put("processing_msgs_per_s", Math.round(target / processing))
        .put("shards", shards.count())
        .put("produced", totals[0])
        .put("processed", totals[1])
        .put("failed", totals[2])
        .put("duplicates", totals[3])
        .put("missing", target - audited)
        .put("requeued", totals[4])
        .put("stale_dropped", totals[5])
        .put("metrics", options.metrics())
        .put("source", options.send() ? "sent by the bench (Sender), fleet --source none" : "simulated generator");
    if (options.rate() > 0) {
      report.put("rate_target", options.rate()).put("warm_up_messages", warmUpMessages());
    }
    putLatency(redis, keys, target, report);
    putProcessFigures(report, lastStats, wall);
    return report;
  }

  /**
   * Pickup latency (produce to handler start, both on the Redis clock) of every message produced
   * after the warm-up, merged from the histograms the workers write to Redis every
   * LATENCY_REPORT_MS. Reads until two reports in a row agree (every worker has reported its last
   * message), or 5 s.
   */
  private void putLatency(Redis redis, Keys keys, long target, JsonObject report) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    LatencyHistogram merged;
    long clockError;
    long previous = -1;
    do {
      merged = new LatencyHistogram();
      clockError = -1;
      java.util.Map<String, String> hash = HashReply.fields(call(redis, Request.cmd(Command.HGETALL).arg(keys.latency())));
      for (java.util.Map.Entry<String, String> e : hash.entrySet()) {
        if (e.getKey().endsWith("/clock-error-us")) {
          clockError = Math.max(clockError, Long.parseLong(e.getValue()));
        } else {
          merged.merge(LatencyHistogram.decode(e.getValue()));
        }
      }
      if (merged.count() == previous && merged.count() > 0) {
        break;
      }
      previous = merged.count();
      pause(LATENCY_REPORT_MS + 100);
    } while (System.nanoTime() < deadline);
    report.put("latency_samples", merged.count())
        .put("latency_p50_ms", merged.percentile(0.5) / 1000.0)
        .put("latency_p99_ms", merged.percentile(0.99) / 1000.0)
        .put("latency_p999_ms", merged.percentile(0.999) / 1000.0)
        .put("latency_max_ms", merged.max() / 1000.0)
        .put("latency_below_zero", merged.negative())
        .put("clock_error_bound_ms", clockError / 1000.0);
  }

  private JsonObject idle(Redis redis, Keys keys, List<Process> fleet, long launched) throws Exception {
    // let the JVMs finish starting before the measured window opens
    pause(5000);
    List<ProcessStats> before = fleet.stream().map(p -> ProcessStats.of(p.pid())).toList();
    long producedBefore = produced(redis);
    long start = System.nanoTime();
    pause(options.idleSeconds() * 1000);
    double window = (System.nanoTime() - start) / 1e9;
    List<ProcessStats> after = fleet.stream().map(p -> ProcessStats.of(p.pid())).toList();
    long producedAfter = produced(redis);
    JsonArray cpu = new JsonArray();
    for (int i = 0; i < fleet.size(); i++) {
      cpu.add(round(100 * (after.get(i).cpuSeconds() - before.get(i).cpuSeconds()) / window));
    }
    JsonObject report = new JsonObject()
        .put("mode", "idle")
        .put("processes", options.processes())
        .put("window_s", round(window))
        .put("produced_in_window", producedAfter - producedBefore)
        .put("cpu_percent_per_process", cpu);
    putProcessFigures(report, after, (System.nanoTime() - launched) / 1e9);
    return report;
  }

  private static void putProcessFigures(JsonObject report, List<ProcessStats> stats, double seconds) {
    long peak = 0;
    JsonArray rss = new JsonArray();
    JsonArray cpu = new JsonArray();
    for (ProcessStats s : stats) {
      peak = Math.max(peak, s.peakRssBytes());
      rss.add(s.peakRssBytes());
      cpu.add(round(s.cpuSeconds()));
    }
    report.put("jvm_peak_rss_bytes", peak).put("jvm_peak_rss_bytes_each", rss).put("jvm_cpu_s_each", cpu);
  }

  /** One consistent read: produced, outcomes recorded, queue length. */
  private static final String PROGRESS_LUA =
      "local s = redis.call('HMGET', KEYS[1], 'produced', 'processed', 'malformed') "
          + "return {tonumber(s[1] or '0'), tonumber(s[2] or '0') + tonumber(s[3] or '0'), redis.call('LLEN', KEYS[2])}";

  private Process startNode(String url, String namespace, int index) throws IOException {
    List<String> args = new ArrayList<>(List.of("--redis", url, "--namespace", namespace,
        "--node-id", "bench-" + index, "--shards", Integer.toString(options.shards()),
        "--workers", Integer.toString(options.workers()),
        "--concurrency", Integer.toString(options.concurrency()),
        "--max-delay-ms", Integer.toString(options.maxDelayMs()),
        "--error-rate", Double.toString(options.errorRate()),
        "--batch-size", Integer.toString(options.batchSize())));
    if (options.waitReplicas() > 0) {
      args.addAll(List.of("--wait-replicas", Integer.toString(options.waitReplicas())));
    }
    if (options.idleSeconds() > 0) {
      args.addAll(List.of("--interval-ms", "500"));
    } else if (options.send()) {
      args.addAll(List.of("--source", "none", "--leader-handles", "false",
          "--latency-report-ms", Integer.toString(LATENCY_REPORT_MS)));
    } else if (options.rate() > 0) {
      args.addAll(List.of("--rate", Long.toString(options.rate()),
          "--limit", Long.toString(options.messages() + warmUpMessages()),
          "--latency-report-ms", Integer.toString(LATENCY_REPORT_MS)));
    } else {
      args.addAll(List.of("--interval-ms", "0", "--limit", Long.toString(options.messages()),
          "--latency-report-ms", Integer.toString(LATENCY_REPORT_MS)));
    }
    if (options.metrics()) {
      // the meters count only on nodes with an HTTP port; a free one each
      args.addAll(List.of("--http-port", "0"));
    }
    return launcher.startNode("node-" + index, args);
  }

  /** Replicas of the private server, for measuring --wait-replicas; the bench waits until they are in sync. */
  private void startReplicas(String masterUrl) throws Exception {
    String masterPort = masterUrl.substring(masterUrl.lastIndexOf(':') + 1);
    for (int i = 0; i < options.replicas(); i++) {
      replicaServers.add(launcher.startRedis(vertx, "replica-" + i, "--replicaof", "127.0.0.1", masterPort).process());
    }
    if (options.replicas() == 0) {
      return;
    }
    Redis master = RedisConnector.create(vertx, masterUrl).pooled(1);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!info(master, "replication", "connected_slaves").equals(Integer.toString(options.replicas()))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the private replicas did not connect; see " + workDir);
        }
        pause(50);
      }
    } finally {
      master.close();
    }
  }

  private double redisCpu(Redis redis) throws Exception {
    return Double.parseDouble(info(redis, "cpu", "used_cpu_user")) + Double.parseDouble(info(redis, "cpu", "used_cpu_sys"));
  }

  private String info(Redis redis, String section, String field) throws Exception {
    String text = call(redis, Request.cmd(Command.INFO).arg(section)).toString();
    return text.lines().filter(l -> l.startsWith(field + ":")).map(l -> l.substring(field.length() + 1).trim())
        .findFirst().orElse("0");
  }

  /** The produced counters of every shard, added up. */
  private long produced(Redis redis) throws Exception {
    long sum = 0;
    for (Keys shard : shards.all()) {
      sum += number(call(redis, Request.cmd(Command.HGET).arg(shard.stats()).arg("produced")));
    }
    return sum;
  }

  /**
   * Every key a run on a given Redis can leave behind: each shard's data keys, then the fleet-wide
   * ones, one DEL per hash tag (one slot on a Cluster). The bench's namespace is its own, so all of
   * it goes; the nodes leave the fleet first (their members, landing and in-flight records).
   */
  private static void deleteKeys(Redis redis, Shards shards) {
    for (Keys shard : shards.all()) {
      try {
        Response seq = call(redis, Request.cmd(Command.GET).arg(shard.seq()));
        Request data = Request.cmd(Command.DEL);
        shard.auditKeys(seq == null ? 0 : seq.toLong()).forEach(data::arg);
        data.arg(shard.seq()).arg(shard.queue()).arg(shard.errors()).arg(shard.stats()).arg(shard.audit())
            .arg(shard.left()).arg(shard.delayed()).arg(shard.delayedIds()).arg(shard.delayedWake())
            .arg(shard.errorReaders()).arg(shard.sourceCursor()).arg(shard.fence()).arg(shard.members())
            .arg(shard.shardPaused()).arg(shard.dataset()).arg(shard.floored());
        call(redis, data);
      } catch (Exception ignored) {
        // best effort: the namespace is unique to this run
      }
    }
    Keys fleet = shards.fleet();
    try {
      call(redis, Request.cmd(Command.DEL).arg(fleet.leader()).arg(fleet.epoch()).arg(fleet.nodes())
          .arg(fleet.anchors()).arg(fleet.leaderAnchor()).arg(fleet.latency()).arg(fleet.latencyFrom())
          .arg(fleet.format()).arg(fleet.dataset()).arg(fleet.floored()).arg(fleet.nodeTotals())
          .arg(fleet.handlers()).arg(fleet.paused()));
    } catch (Exception ignored) {
      // best effort, as above
    }
  }

  private static Response call(Redis redis, Request request) throws Exception {
    return redis.send(request).await(Duration.ofSeconds(30));
  }

  private static long number(Response r) {
    return r == null ? 0 : r.toLong();
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static void pause(long ms) {
    try {
      TimeUnit.MILLISECONDS.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
