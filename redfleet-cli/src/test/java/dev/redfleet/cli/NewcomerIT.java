package dev.redfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Issue 8 section 4: what a newcomer tripped over. The tests run at the same time as each other
 * (each its own Redis, processes and directory, and no timing bound; the class as a whole runs
 * alone): one of them mostly waits for the 30 s after which a lone node warns, and the others run
 * during that wait.
 */
class NewcomerIT {

  /** Runs the jar in {@code dir} (where conf/config.json is looked for); returns exit code, stdout, stderr. */
  private static FleetProcess.Result runIn(Path dir, long seconds, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-jar", FleetProcess.JAR.toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().keySet().removeIf(k -> k.equals("REDIS_URL") || k.startsWith("REDFLEET_"));
    Process p = builder.start();
    try {
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        // a run: stop it as an operator would
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    } finally {
      p.destroyForcibly();
    }
    return new FleetProcess.Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static void assertOneLine(FleetProcess.Result r, int code, String text) {
    assertThat(r.exitCode()).as(r.stderr()).isEqualTo(code);
    assertThat(r.stderr().lines().filter(l -> l.startsWith("redfleet: ")).toList()).as(r.stderr()).hasSize(1);
    assertThat(r.stderr()).contains(text);
    assertThat(r.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void anInvalidDefaultConfigFileIsAnErrorAndRunSaysWhichFileItLoaded(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(dir.resolve("conf/config.json"), "{\"workers\": ");
    assertOneLine(runIn(dir, 60, "status", "--redis", "redis://127.0.0.1:1"), 2, "cannot read config file conf/config.json");
    Files.writeString(dir.resolve("conf/config.json"), "{\"wrokers\": 2}");
    assertOneLine(runIn(dir, 60, "run"), 2, "unknown setting 'wrokers' in conf/config.json");

    try (RedisServer server = RedisServer.start()) {
      Files.writeString(dir.resolve("conf/config.json"), "{\"workers\": 1, \"redisUrl\": \"" + server.url() + "\"}");
      assertThat(runUntil(dir, "configuration file: " + dir.resolve("conf/config.json").toAbsolutePath(), "run")).isTrue();
      Files.delete(dir.resolve("conf/config.json"));
      assertThat(runUntil(dir, "no configuration file (conf/config.json not found)", "run", "--redis", server.url())).isTrue();
    }
  }

  /** Starts the jar in {@code dir} until its log says {@code text} (true) or 60 s pass (false), then stops it. */
  private static boolean runUntil(Path dir, String text, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-jar", FleetProcess.JAR.toString()));
    command.addAll(List.of(args));
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(err.toFile());
    builder.environment().keySet().removeIf(k -> k.equals("REDIS_URL") || k.startsWith("REDFLEET_"));
    Process p = builder.start();
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < end) {
        if (Files.readString(err).contains(text)) {
          return true;
        }
        Thread.sleep(100);
      }
      return false;
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void environmentVariableNamesAreNotConfigFileKeys(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("env-names.json"), "{\"REDFLEET_WORKERS\": 4}");
    assertOneLine(FleetProcess.oneShot(List.of("status", "--config", file.toString())), 2,
        "unknown setting 'REDFLEET_WORKERS' in " + file + " (a file uses 'workers'");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void benchTakesNamespaceAndConfigAndItsHelpIsClean(@TempDir Path dir) throws Exception {
    FleetProcess.Result help = FleetProcess.oneShot(List.of("bench", "--help"));
    assertThat(help.exitCode()).isZero();
    assertThat(help.stdout() + help.stderr()).doesNotContain("picocli WARN").contains("CPU% of an idle");
    FleetProcess.Result top = FleetProcess.oneShot(List.of("--help"));
    assertThat(top.stdout().replaceAll("\\s+", " ")).contains("bench Measure throughput and outcomes of a fleet on this machine.");
    FleetProcess.Result none = FleetProcess.oneShot(List.of());
    assertOneLine(none, 2, "missing command: one of ");
    // every command, whatever commands are added later
    assertThat(none.stderr()).contains("run", "getErrors", "status", "bench");

    Path file = Files.writeString(dir.resolve("bench.json"), "{\"namespace\": \"fromfile\"}");
    FleetProcess.Result bench = FleetProcess.oneShot(List.of("bench", "--processes", "2", "--limit", "300",
        "--max-delay-ms", "0", "--namespace", "mine", "--config", file.toString(), "--json"));
    assertThat(bench.exitCode()).as(bench.stderr()).isZero();
    JsonObject report = new JsonObject(bench.stdout().trim());
    assertThat(report.getLong("processed")).isEqualTo(300);
    assertThat(report.getString("namespace")).startsWith("mine-bench-");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void nodesSayTheirRoleSummariseTheirWorkAndWarnWhenAlone() throws Exception {
    // two fleets side by side: the alone warning takes 30 s (FleetNode.ALONE_WARNING_MS) of a node
    // with nobody beside it, and a worker's first summary 10 s; the worker's fleet runs during the
    // first fleet's 30 s instead of after them
    try (RedisServer server = RedisServer.start();
         RedisServer pairServer = RedisServer.start();
         FleetProcess first = FleetProcess.node(server.url(), "first", List.of("--interval-ms", "20", "--max-delay-ms", "50"));
         FleetProcess generator = FleetProcess.node(pairServer.url(), "generator", List.of("--interval-ms", "20",
             "--max-delay-ms", "50"))) {
      Waits.until("first to say it generates", Duration.ofSeconds(30),
          () -> first.logText().contains("node first is the generator"));
      Waits.until("generator to say it generates", Duration.ofSeconds(30),
          () -> generator.logText().contains("node generator is the generator"));
      try (FleetProcess second = FleetProcess.node(pairServer.url(), "second", List.of("--max-delay-ms", "50"))) {
        Waits.until("second to say it is a worker", Duration.ofSeconds(30),
            () -> second.logText().contains("node second is a worker; the generator is node generator"));
        Waits.until("second to summarise", Duration.ofSeconds(30),
            () -> second.logText().matches("(?s).*last 10 s: handled [1-9]\\d* \\(failed \\d+\\), in flight \\d+.*"));
        Waits.until("generator to summarise what it generated", Duration.ofSeconds(30),
            () -> generator.logText().matches("(?s).*last 10 s: handled 0 \\(failed 0\\), in flight 0, generated [1-9].*"));
      }
      Waits.until("first to warn that it is alone", Duration.ofSeconds(60),
          () -> first.logText().contains("node first has been the only live node in namespace 'redfleet'"));
      assertThat(first.logText()).contains("it generates, but no other node handles the messages");
      System.out.println("FIGURE newcomer logs: " + generator.logText().lines().filter(l -> l.contains("last 10 s")).findFirst().orElse(""));
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aGeneratorToldToLeaveRecordsNoOutcome() throws Exception {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "redfleet")) {
      List<String> options = List.of("--interval-ms", "0", "--queue-cap", "2000", "--error-rate", "1",
          "--max-delay-ms", "200", "--drain-ms", "3000");
      try (FleetProcess generator = FleetProcess.node(server.url(), "gen", options)) {
        Waits.until("gen to generate", Duration.ofSeconds(30), () -> redis.number("GET", redis.keys.seq()) > 0);
        try (FleetProcess worker = FleetProcess.node(server.url(), "work", options)) {
          Waits.until("work to record outcomes", Duration.ofSeconds(30), () -> redis.number("LLEN", redis.keys.errors()) > 100);
          generator.terminate(30);
          Waits.pause(1000);
          long byGenerator = 0;
          String example = "";
          for (var entry : redis.call("LRANGE", redis.keys.errors(), 0, -1)) {
            if ("gen".equals(new JsonObject(entry.toString()).getString("node"))) {
              byGenerator++;
              example = entry.toString();
            }
          }
          System.out.println("FIGURE example " + example);
          System.out.println("FIGURE generator told to leave: " + byGenerator + " outcome(s) recorded by it");
          assertThat(byGenerator).as(generator.logText()).isZero();
        }
      }
    }
  }
}
