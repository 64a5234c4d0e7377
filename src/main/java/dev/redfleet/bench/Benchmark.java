package dev.redfleet.bench;

import dev.redfleet.config.RedisUrls;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisClients;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
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
   */
  public record Options(int processes, long messages, int workers, int concurrency, int maxDelayMs,
                        double errorRate, int batchSize, long idleSeconds, String redisUrl) {}

  private final Options options;
  private final PrintStream progress;
  private final Vertx vertx = Vertx.vertx();
  private Process redisServer;
  private Path workDir;

  public Benchmark(Options options, PrintStream progress) {
    this.options = options;
    this.progress = progress;
  }

  public JsonObject run() throws Exception {
    workDir = Files.createTempDirectory("redfleet-bench");
    String url = options.redisUrl() != null ? options.redisUrl() : startRedis();
    String namespace = "bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    Keys keys = new Keys(namespace);
    Redis redis = RedisClients.pooled(vertx, url, 2);
    List<Process> fleet = new ArrayList<>();
    try {
      call(redis, Request.cmd(Command.PING));
      call(redis, Request.cmd(Command.CONFIG).arg("RESETSTAT"));
      double redisCpuBefore = redisCpu(redis);
      long launched = System.nanoTime();
      for (int i = 0; i < options.processes(); i++) {
        fleet.add(startNode(url, namespace, i));
      }
      JsonObject report = options.idleSeconds() > 0
          ? idle(redis, keys, fleet, launched)
          : throughput(redis, keys, fleet, launched);
      report.put("redis_cpu_s", round(redisCpu(redis) - redisCpuBefore));
      report.put("redis_peak_bytes", Long.parseLong(info(redis, "memory", "used_memory_peak")));
      report.put("redis", options.redisUrl() != null ? RedisUrls.redact(url) : "private redis-server "
          + info(redis, "server", "redis_version"));
      return report;
    } finally {
      for (Process p : fleet) {
        p.destroy();
      }
      for (Process p : fleet) {
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
      if (options.redisUrl() != null) {
        deleteKeys(redis, keys);
      }
      redis.close();
      if (redisServer != null) {
        redisServer.destroyForcibly();
        redisServer.waitFor(10, TimeUnit.SECONDS);
      }
      vertx.close();
    }
  }

  private JsonObject throughput(Redis redis, Keys keys, List<Process> fleet, long launched) throws Exception {
    long target = options.messages();
    long firstProducedAt = 0;
    long lastLine = System.nanoTime();
    long lastDone = 0;
    long done;
    List<ProcessStats> lastStats = new ArrayList<>();
    while (true) {
      Response r = call(redis, Request.cmd(Command.EVAL).arg(PROGRESS_LUA).arg(2).arg(keys.stats()).arg(keys.queue()));
      long produced = r.get(0).toLong();
      done = r.get(1).toLong();
      long queued = r.get(2).toLong();
      long now = System.nanoTime();
      if (firstProducedAt == 0 && produced > 0) {
        firstProducedAt = now;
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
    long audited = call(redis, Request.cmd(Command.BITCOUNT).arg(keys.audit())).toLong();
    Response stats = call(redis, Request.cmd(Command.HMGET).arg(keys.stats())
        .arg("produced").arg("processed").arg("failed").arg("duplicates").arg("requeued").arg("stale_dropped"));
    JsonObject report = new JsonObject()
        .put("messages", target)
        .put("processes", options.processes())
        .put("max_delay_ms", options.maxDelayMs())
        .put("error_rate", options.errorRate())
        .put("wall_s", round(wall))
        .put("processing_s", round(processing))
        .put("msgs_per_s", Math.round(target / wall))
        .put("processing_msgs_per_s", Math.round(target / processing))
        .put("produced", number(stats.get(0)))
        .put("processed", number(stats.get(1)))
        .put("failed", number(stats.get(2)))
        .put("duplicates", number(stats.get(3)))
        .put("missing", target - audited)
        .put("requeued", number(stats.get(4)))
        .put("stale_dropped", number(stats.get(5)));
    putProcessFigures(report, lastStats, wall);
    return report;
  }

  private JsonObject idle(Redis redis, Keys keys, List<Process> fleet, long launched) throws Exception {
    // let the JVMs finish starting before the measured window opens
    pause(5000);
    List<ProcessStats> before = fleet.stream().map(p -> ProcessStats.of(p.pid())).toList();
    long producedBefore = number(call(redis, Request.cmd(Command.HGET).arg(keys.stats()).arg("produced")));
    long start = System.nanoTime();
    pause(options.idleSeconds() * 1000);
    double window = (System.nanoTime() - start) / 1e9;
    List<ProcessStats> after = fleet.stream().map(p -> ProcessStats.of(p.pid())).toList();
    long producedAfter = number(call(redis, Request.cmd(Command.HGET).arg(keys.stats()).arg("produced")));
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
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-jar", ownJar(), "run", "--redis", url, "--namespace", namespace,
        "--node-id", "bench-" + index,
        "--workers", Integer.toString(options.workers()),
        "--concurrency", Integer.toString(options.concurrency()),
        "--max-delay-ms", Integer.toString(options.maxDelayMs()),
        "--error-rate", Double.toString(options.errorRate()),
        "--batch-size", Integer.toString(options.batchSize())));
    if (options.idleSeconds() > 0) {
      command.addAll(List.of("--interval-ms", "500"));
    } else {
      command.addAll(List.of("--interval-ms", "0", "--limit", Long.toString(options.messages())));
    }
    File log = workDir.resolve("node-" + index + ".log").toFile();
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    builder.environment().keySet().removeIf(k -> k.equals("REDIS_URL") || k.startsWith("REDFLEET_"));
    return builder.start();
  }

  private String startRedis() throws Exception {
    String binary = null;
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      if (new File(dir, "redis-server").canExecute()) {
        binary = new File(dir, "redis-server").getPath();
        break;
      }
    }
    if (binary == null) {
      throw new IllegalArgumentException("bench needs redis-server on the PATH, or --redis URL");
    }
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    redisServer = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", workDir.toString())
        .redirectErrorStream(true).redirectOutput(workDir.resolve("redis.log").toFile()).start();
    String url = "redis://127.0.0.1:" + port;
    Redis probe = RedisClients.pooled(vertx, url, 1);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        try {
          probe.send(Request.cmd(Command.PING)).await(Duration.ofSeconds(1));
          return url;
        } catch (Exception notYet) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("the private redis-server did not start; see " + workDir);
          }
          pause(50);
        }
      }
    } finally {
      probe.close();
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

  private static void deleteKeys(Redis redis, Keys keys) {
    try {
      call(redis, Request.cmd(Command.DEL).arg(keys.leader()).arg(keys.epoch()).arg(keys.seq()).arg(keys.queue())
          .arg(keys.nodes()).arg(keys.errors()).arg(keys.stats()).arg(keys.audit()));
    } catch (Exception ignored) {
      // best effort: the namespace is unique to this run
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

  private static String ownJar() {
    try {
      return Path.of(Benchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException("cannot locate the running jar", e);
    }
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
