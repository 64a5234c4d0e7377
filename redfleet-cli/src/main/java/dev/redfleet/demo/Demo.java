package dev.redfleet.demo;

import dev.redfleet.bench.FleetLauncher;
import dev.redfleet.config.RedisUrls;
import dev.redfleet.errors.ErrorsOutput;
import dev.redfleet.errors.ErrorsVerticle;
import dev.redfleet.ops.RedisVersion;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnector;
import dev.redfleet.redis.Scripts;
import dev.redfleet.status.StatusReport;
import io.vertx.core.Vertx;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code demo} command: a private Redis and a few fleet processes on this machine, the fleet
 * shown live once a second, a SIGKILL of the generator, the takeover, an audit that shows no
 * message was lost, the error entries, and everything it started stopped again (also on Ctrl-C,
 * through a shutdown hook).
 *
 * <p>It runs on the command's own thread and waits on Redis answers; never on an event loop.
 */
public final class Demo {
  /** Messages per second the demo's generator produces. */
  static final int RATE = 50;
  private static final Pattern LISTENING = Pattern.compile("http on (http://\\S+/)");
  /** How often the lease key is read after the kill, to time the takeover. */
  static final long TAKEOVER_POLL_MS = 2;
  /** The kill's time of day, as the nodes' log lines show it (logback's HH:mm:ss.SSS, local time). */
  private static final java.time.format.DateTimeFormatter CLOCK =
      java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneId.systemDefault());
  private static final List<String> JVM_OPTIONS = List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  /**
   * @param nodes fleet processes
   * @param seconds how long the generator produces (RATE messages a second)
   * @param killAfterSeconds when, after the first message, the generator is SIGKILLed
   * @param redisUrl an existing Redis (a fresh namespace is used and deleted), or null for a private one
   */
  public record Options(int nodes, int seconds, int killAfterSeconds, String redisUrl) {}

  private final Options options;
  private final PrintStream out;
  private final List<Process> started = new ArrayList<>();
  private final Vertx vertx = Vertx.vertx();
  private volatile boolean cleanedUp;

  public Demo(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  /** Runs the demo; returns 0 when the audit is clean. */
  public int run() throws Exception {
    Thread hook = new Thread(this::cleanUp, "redfleet-demo-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return demo();
    } finally {
      cleanUp();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running
      }
    }
  }

  private int demo() throws Exception {
    Path workDir = Files.createTempDirectory("redfleet-demo");
    FleetLauncher launcher = new FleetLauncher(workDir, JVM_OPTIONS);
    String url;
    String namespace;
    if (options.redisUrl() == null) {
      String binary = FleetLauncher.redisServerOnPath();
      boolean embedded = binary == null;
      FleetLauncher.PrivateRedis redis = launcher.startRedisFrom(vertx, embedded ? EmbeddedRedis.binary() : binary, "redis");
      track(redis.process());
      url = redis.url();
      namespace = "redfleet";
      Redis probe = RedisConnector.create(vertx, url).pooled(1);
      String version;
      try {
        version = RedisVersion.check(probe, url).await();
      } finally {
        probe.close();
      }
      out.println("started   " + (embedded ? "embedded Redis" : "redis-server") + " on " + url + ", Redis " + version
          + (embedded ? " from " + EmbeddedRedis.SOURCE + ", as no redis-server is on the PATH" : "")
          + " (pid " + redis.process().pid() + ")");
    } else {
      url = options.redisUrl();
      namespace = "demo-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
      out.println("using     " + RedisUrls.redact(url) + ", namespace " + namespace + " (deleted at the end)");
    }
    Keys keys = new Keys(namespace);
    Redis redis = RedisConnector.create(vertx, url).pooled(2);
    Scripts scripts = new Scripts(redis);
    long limit = (long) RATE * options.seconds();
    List<String> names = new ArrayList<>();
    List<Process> nodes = new ArrayList<>();
    for (int i = 1; i <= options.nodes(); i++) {
      String name = "node-" + i;
      Process p = launcher.startNode(name, List.of("--redis", url, "--namespace", namespace, "--node-id", name,
          "--interval-ms", Integer.toString(1000 / RATE), "--limit", Long.toString(limit),
          "--max-delay-ms", "300", "--error-rate", "0.1",
          "--lease-ms", "2000", "--renew-ms", "500", "--retry-ms", "250",
          "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500",
          "--http-port", "0"));
      track(p);
      names.add(name);
      nodes.add(p);
      out.println("started   " + name + " (pid " + p.pid() + ")");
    }
    out.println("logs in   " + workDir);
    String page = awaitPage(launcher, names.get(0), nodes.get(0));
    out.println("live page " + (page == null ? "(node-1 has not opened its HTTP port yet)" : page)
        + "   (every node serves it, and /metrics and /health)");
    out.flush();

    long firstMessageAt = 0;
    long killAt = Long.MAX_VALUE;
    String killedToken = null;
    long killedAt = 0;
    boolean tookOver = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seconds() + 120L);
    while (true) {
      JsonObject s = StatusReport.take(scripts, keys, 1500).await(Duration.ofSeconds(10));
      JsonObject stats = s.getJsonObject("stats");
      long now = System.nanoTime();
      if (firstMessageAt == 0 && stats.getLong("produced") > 0) {
        firstMessageAt = now;
        killAt = now + TimeUnit.SECONDS.toNanos(options.killAfterSeconds());
      }
      out.println(line(s));
      JsonObject leader = s.getJsonObject("leader");
      if (killedToken == null && now >= killAt && leader != null) {
        String node = leader.getString("node");
        int index = names.indexOf(node);
        if (index >= 0) {
          killedToken = node + ":" + leader.getLong("epoch");
          long wallClock = System.currentTimeMillis();
          killedAt = System.nanoTime();
          nodes.get(index).destroyForcibly();
          out.println(">>> SIGKILL the generator " + node + " (pid " + nodes.get(index).pid() + ") at "
              + CLOCK.format(java.time.Instant.ofEpochMilli(wallClock)));
          out.flush();
          // the takeover takes milliseconds: watch the lease key closely, not at the display's pace
          String next = awaitTakeover(redis, keys, killedToken);
          if (next != null) {
            tookOver = true;
            out.printf(Locale.ROOT, ">>> takeover: %s generates now (epoch %s), %d ms after the kill (lease polled every %d ms)%n",
                next.substring(0, next.lastIndexOf(':')), next.substring(next.lastIndexOf(':') + 1),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt), TAKEOVER_POLL_MS);
          }
        }
      }
      if (killedToken != null && !tookOver && leader != null
          && !(leader.getString("node") + ":" + leader.getLong("epoch")).equals(killedToken)) {
        tookOver = true;
        out.printf(Locale.ROOT, ">>> takeover: %s generates now (epoch %d), within %.1f s of the kill (seen by the status)%n",
            leader.getString("node"), leader.getLong("epoch"), (System.nanoTime() - killedAt) / 1e9);
      }
      long done = stats.getLong("processed") + stats.getLong("malformed");
      if (tookOver && done >= limit) {
        break;
      }
      if (now > deadline) {
        out.println("the fleet did not finish in time; see the logs in " + workDir);
        return 1;
      }
      out.flush();
      TimeUnit.MILLISECONDS.sleep(1000);
    }

    // the audit: every produced id has exactly one recorded outcome
    JsonObject s = StatusReport.take(scripts, keys, 1500).await(Duration.ofSeconds(10));
    JsonObject stats = s.getJsonObject("stats");
    long audited = s.getJsonObject("audit").getLong("audited");
    long duplicates = stats.getLong("duplicates");
    boolean clean = stats.getLong("produced") == limit && audited == limit && duplicates == 0
        && s.getLong("queue") == 0;
    out.printf(Locale.ROOT, "audit     produced %d, outcomes recorded %d, duplicates %d, requeued after the kill %d: %s%n",
        stats.getLong("produced"), audited, duplicates, stats.getLong("requeued"),
        clean ? "no message lost" : "NOT CLEAN");

    out.println("getErrors (" + s.getLong("errors") + " failed messages; the first 10):");
    out.flush();
    ErrorsVerticle errors = new ErrorsVerticle(redis, keys, ErrorsVerticle.newReaderId(),
        new ErrorsVerticle.Options(false, 10, false), new ErrorsOutput(out));
    String deployment = vertx.deployVerticle(errors).await(Duration.ofSeconds(10));
    try {
      errors.done().await(Duration.ofSeconds(30));
    } finally {
      vertx.undeploy(deployment).await(Duration.ofSeconds(10));
    }
    if (options.redisUrl() != null) {
      deleteNamespace(redis, keys, names);
    }
    redis.close();
    return clean ? 0 : 1;
  }

  /**
   * The new holder of the lease ({@code node:epoch}) once the lease key holds another value than
   * {@code killed}, asked every {@link #TAKEOVER_POLL_MS}; null if that takes longer than a lease
   * and a half plus 10 s (the status loop then reports it at its own pace).
   */
  private static String awaitTakeover(Redis redis, Keys keys, String killed) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(13);
    while (System.nanoTime() < deadline) {
      try {
        Response value = redis.send(Request.cmd(Command.GET).arg(keys.leader())).await(Duration.ofSeconds(2));
        if (value != null && !value.toString().equals(killed) && value.toString().lastIndexOf(':') > 0) {
          return value.toString();
        }
      } catch (Exception e) {
        // a slow answer: ask again
      }
      TimeUnit.MILLISECONDS.sleep(TAKEOVER_POLL_MS);
    }
    return null;
  }

  private static String line(JsonObject s) {
    JsonObject leader = s.getJsonObject("leader");
    JsonObject stats = s.getJsonObject("stats");
    StringBuilder nodes = new StringBuilder();
    for (Object o : s.getJsonArray("nodes")) {
      JsonObject n = (JsonObject) o;
      boolean generator = leader != null && leader.getString("node").equals(n.getString("node"));
      nodes.append(' ').append(n.getString("node")).append(generator ? "*" : "")
          .append(n.getBoolean("alive") ? "" : "(silent)");
    }
    return String.format(Locale.ROOT,
        "fleet     generator %-8s epoch %d | nodes%s | queue %d, in flight %d | produced %d, handled %d, failed %d, errors waiting %d",
        leader == null ? "none" : leader.getString("node"), s.getLong("epoch"), nodes, s.getLong("queue"),
        s.getLong("inFlight"), stats.getLong("produced"), stats.getLong("processed"), stats.getLong("failed"),
        s.getLong("errors"));
  }

  private static String awaitPage(FleetLauncher launcher, String name, Process node) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && node.isAlive()) {
      try {
        Matcher m = LISTENING.matcher(Files.readString(launcher.logOf(name)));
        if (m.find()) {
          return m.group(1);
        }
      } catch (IOException notYet) {
        // the log file is not there yet
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    return null;
  }

  /** The claim keys a node left (a node killed and not yet reaped), found by SCAN. */
  private static List<String> claimKeysOf(Redis redis, Keys keys, String name) {
    List<String> found = new java.util.ArrayList<>();
    String pattern = keys.inflightClaim(name, "").replaceAll("([\\[\\]*?\\\\])", "\\\\$1") + "*";
    String cursor = "0";
    try {
      do {
        Response page = redis.send(Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(pattern).arg("COUNT").arg(1000))
            .await(Duration.ofSeconds(10));
        cursor = page.get(0).toString();
        page.get(1).forEach(key -> found.add(key.toString()));
      } while (!cursor.equals("0"));
    } catch (Exception bestEffort) {
      // SCAN refused (an ACL without it): the rest of the namespace still goes
    }
    return found;
  }

  private static void deleteNamespace(Redis redis, Keys keys, List<String> names) {
    Request del = Request.cmd(Command.DEL).arg(keys.leader()).arg(keys.epoch()).arg(keys.seq()).arg(keys.queue())
        .arg(keys.nodes()).arg(keys.errors()).arg(keys.stats()).arg(keys.audit()).arg(keys.nodeTotals())
        .arg(keys.errorReaders());
    for (String name : names) {
      del.arg(keys.landing(name)).arg(keys.inflight(name)).arg(keys.claims(name));
    }
    try {
      Response seq = redis.send(Request.cmd(Command.GET).arg(keys.seq())).await(Duration.ofSeconds(10));
      keys.auditKeys(seq == null ? 0 : seq.toLong()).forEach(del::arg);
      for (String name : names) {
        claimKeysOf(redis, keys, name).forEach(del::arg);
      }
      Response ignored = redis.send(del).await(Duration.ofSeconds(10));
    } catch (Exception bestEffort) {
      // the namespace was private to this run
    }
  }

  private synchronized void track(Process p) {
    started.add(p);
  }

  /** Stops every process this demo started: the nodes first (SIGTERM, they leave), Redis last. */
  private synchronized void cleanUp() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    List<Process> reversed = new ArrayList<>(started);
    java.util.Collections.reverse(reversed);
    List<Process> nodes = reversed.subList(0, options.redisUrl() == null ? reversed.size() - 1 : reversed.size());
    FleetLauncher.stopAll(nodes, Duration.ofSeconds(15));
    if (options.redisUrl() == null && !started.isEmpty()) {
      FleetLauncher.stopAll(List.of(started.get(0)), Duration.ofSeconds(5));
    }
    out.println("stopped   " + started.size() + " process(es) this demo started");
    out.flush();
    vertx.close();
  }
}
