package dev.redfleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example plug-ins (examples/file-handler, examples/counter-source), compiled and jarred here,
 * run by real {@code run} processes from the fat jar: the handler both ways, on the class path by
 * class name and from a plugins directory by its short name; the source from the plugins directory
 * with its generator SIGKILLed mid-count. And every way a plug-in can be wrong: exit 2, one line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PluginIT {
  private static final AtomicInteger STARTED = new AtomicInteger();
  private static final long MESSAGES = 3000;

  @TempDir
  Path dir;
  private Path pluginsDir;
  private Path exampleJar;
  private Path counterJar;
  private Path badJar;
  private final List<Process> processes = new ArrayList<>();

  @BeforeAll
  void buildPlugins(@TempDir Path build) throws IOException {
    pluginsDir = Files.createDirectories(build.resolve("plugins"));
    exampleJar = PluginJars.example(build);
    Files.copy(exampleJar, pluginsDir.resolve("file-handler.jar"));
    counterJar = PluginJars.example(build, "counter-source");
    Files.copy(counterJar, pluginsDir.resolve("counter-source.jar"));
    badJar = PluginJars.fromSources(build, "bad-handlers", Map.of(
        "com.acme.NoDefaultConstructor", """
            package com.acme;
            public class NoDefaultConstructor implements dev.redfleet.api.Handler {
              public NoDefaultConstructor(String target) {}
              public io.vertx.core.Future<Void> handle(dev.redfleet.api.Message m) { return io.vertx.core.Future.succeededFuture(); }
            }
            """,
        "com.acme.ThrowingConstructor", """
            package com.acme;
            public class ThrowingConstructor implements dev.redfleet.api.BlockingHandler {
              public ThrowingConstructor() { throw new IllegalStateException("no licence key"); }
              public void handle(dev.redfleet.api.Message m) {}
            }
            """,
        "com.acme.NotAHandler", """
            package com.acme;
            public class NotAHandler implements Runnable {
              public void run() {}
            }
            """));
  }

  @AfterEach
  void killProcesses() {
    processes.forEach(Process::destroyForcibly);
    processes.clear();
  }

  @Test
  void theExamplePluginAppendsEveryMessageOnceInARealFleet() throws Exception {
    Path out = dir.resolve("handled.tsv");
    try (Fleet fleet = new Fleet(List.of())) {
      String url = fleet.server.url();
      List<String> common = List.of("--redis", url, "--interval-ms", "0", "--limit", Long.toString(MESSAGES),
          "--handler-threads", "4");
      // the generator: the example on the class path, named by class
      Process generator = start("gen", classPath(exampleJar), withAll(List.of("run", "--node-id", "gen",
          "--handler", "com.example.FileAppendHandler"), common), Map.of("FILE_HANDLER_PATH", out.toString()));
      fleet.awaitLeader();
      assertThat(Fleet.nodeOf(fleet.leaderToken())).isEqualTo("gen");
      // two workers: one loads the plugins directory and finds the handler by its short name, the
      // other has the jar on its class path and gets the file from a system property
      start("w1", jar(), withAll(List.of("run", "--node-id", "w1", "--plugins", pluginsDir.toString(),
          "--handler", "file-append"), common), Map.of("FILE_HANDLER_PATH", out.toString()));
      List<String> w2 = new ArrayList<>(List.of("-Dfile.handler.path=" + out));
      w2.addAll(classPath(exampleJar));
      start("w2", w2, withAll(List.of("run", "--node-id", "w2", "--handler", "com.example.FileAppendHandler"), common), Map.of());

      fleet.awaitOutcomes(MESSAGES, Duration.ofSeconds(120));
      fleet.assertEveryIdRecordedOnce(MESSAGES);
      assertThat(fleet.redis.stat("failed")).isZero();
      assertThat(fleet.redis.number("LLEN", fleet.redis.keys.errors())).isZero();

      // every handled message reached the file exactly once
      List<String> lines = Files.readAllLines(out);
      Map<Long, Long> perId = lines.stream().collect(Collectors.groupingBy(l -> Long.parseLong(l.split("\t")[0]),
          TreeMap::new, Collectors.counting()));
      assertThat(lines).hasSize((int) MESSAGES);
      assertThat(perId).hasSize((int) MESSAGES);
      assertThat(perId.values()).containsOnly(1L);
      assertThat(perId.keySet()).allMatch(id -> id >= 1 && id <= MESSAGES);
      assertThat(lines).allMatch(l -> l.split("\t", 3)[1].equals("1"));

      // a worker that started last may find the run already over: wait for its start line rather than read it at once
      Waits.until("w1 to log its handler", Duration.ofSeconds(60), () -> PluginJars.text(log("w1"))
          .contains("handler: handler 'file-append' (com.example.FileAppendHandlerFactory)"));
      Waits.until("w2 to log its handler", Duration.ofSeconds(60), () -> PluginJars.text(log("w2"))
          .contains("handler: blocking handler com.example.FileAppendHandler"));
      System.out.println("FIGURE example plug-in: " + MESSAGES + " messages appended by FileAppendHandler, loaded in 3 run processes"
          + " (class path and --plugins), " + lines.size() + " lines, every id once, failed 0");
      for (Process p : processes) {
        p.destroy();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("left within 30 s").isTrue();
      }
    }
  }

  @Test
  void theExampleSourceEmitsEachNumberOnceAcrossAGeneratorKill() throws Exception {
    Path out = dir.resolve("counted.tsv");
    long to = 3000;
    try (Fleet fleet = new Fleet(List.of())) {
      // both nodes load the counter source and the file handler from the plugins directory; paced,
      // so that the generator is SIGKILLed mid-count
      List<String> common = List.of("--redis", fleet.server.url(), "--plugins", pluginsDir.toString(), "--source", "counter",
          "--handler", "file-append", "--rate", "1000", "--batch-size", "50");
      Map<String, String> env = Map.of("FILE_HANDLER_PATH", out.toString(), "COUNTER_SOURCE_TO", Long.toString(to));
      Map<String, Process> nodes = new java.util.HashMap<>();
      for (String name : List.of("s1", "s2")) {
        nodes.put(name, start(name, jar(), withAll(List.of("run", "--node-id", name), common), env));
        Waits.until(name + " to join", Duration.ofSeconds(60), () -> fleet.redis.call("HGET", fleet.redis.keys.anchors(), name) != null);
      }
      String oldToken = fleet.awaitLeader();
      Waits.until("a third of the count", Duration.ofSeconds(60), () -> fleet.seq() >= to / 3);
      Process generator = nodes.get(Fleet.nodeOf(oldToken));
      generator.destroyForcibly();
      assertThat(generator.waitFor(10, TimeUnit.SECONDS)).isTrue();
      fleet.awaitNewLeader(oldToken, Duration.ofSeconds(10));
      Waits.until("the whole count", Duration.ofSeconds(60), () -> fleet.seq() == to);
      Waits.pause(500);
      assertThat(fleet.seq()).as("the counter ended at " + to).isEqualTo(to);
      fleet.awaitOutcomes(to, Duration.ofSeconds(120));
      fleet.assertEveryIdRecordedOnce(to);

      // message id N carries the number N, whoever generated it: each number once
      List<String> lines = Files.readAllLines(out);
      Map<Long, String> bodyById = new TreeMap<>();
      for (String line : lines) {
        String[] f = line.split("\t", 3);
        String before = bodyById.putIfAbsent(Long.parseLong(f[0]), f[2]);
        assertThat(before == null || before.equals(f[2])).as("id " + f[0] + " handled twice with two bodies").isTrue();
      }
      assertThat(bodyById).hasSize((int) to);
      bodyById.forEach((id, body) -> assertThat(body).isEqualTo(Long.toString(id)));
      Waits.until("the survivor to log its source", Duration.ofSeconds(30), () -> nodes.keySet().stream()
          .anyMatch(n -> PluginJars.text(log(n)).contains("source: source 'counter' (com.example.CounterSourceFactory)")));
      System.out.println("FIGURE example source plug-in: CounterSource counted to " + to + " in 2 run processes, generator"
          + " SIGKILLed at seq >= " + to / 3 + ", " + lines.size() + " handler calls, every number once");
    }
  }

  @Test
  void badHandlersExitTwoWithOneLineNamingTheClass() throws IOException {
    Map<String, String> none = Map.of();
    assertOneLineError(oneShot(jar(), List.of("run", "--handler", "nosuch"), none),
        "handler 'nosuch': no handler of that name (known: simulated) and no such class on the class path");
    assertOneLineError(oneShot(jar(), List.of("run"), Map.of("REDFLEET_HANDLER", "com.acme.Missing")),
        "handler 'com.acme.Missing': no handler of that name");
    Path config = Files.writeString(dir.resolve("config.json"), "{\"handler\": \"com.acme.FromFile\"}");
    assertOneLineError(oneShot(jar(), List.of("run", "--config", config.toString()), none),
        "handler 'com.acme.FromFile': no handler of that name");
    assertOneLineError(oneShot(jar(), List.of("run", "--handler", "java.lang.String"), none),
        "handler class java.lang.String does not implement dev.redfleet.api.Handler, BlockingHandler, CompletionStageHandler or HandlerFactory");
    assertOneLineError(oneShot(classPath(badJar), List.of("run", "--handler", "com.acme.NotAHandler"), none),
        "handler class com.acme.NotAHandler does not implement");
    assertOneLineError(oneShot(classPath(badJar), List.of("run", "--handler", "com.acme.NoDefaultConstructor"), none),
        "handler class com.acme.NoDefaultConstructor has no public no-argument constructor");
    assertOneLineError(oneShot(classPath(badJar), List.of("run", "--handler", "com.acme.ThrowingConstructor"), none),
        "handler class com.acme.ThrowingConstructor: its constructor threw IllegalStateException: no licence key");
    assertOneLineError(oneShot(classPath(exampleJar), List.of("run", "--handler", "com.example.FileAppendHandler"), none),
        "handler class com.example.FileAppendHandler: its constructor threw IllegalStateException: set FILE_HANDLER_PATH");
    assertOneLineError(oneShot(jar(), List.of("run", "--plugins", pluginsDir.toString(), "--handler", "file-append"), none),
        "handler 'file-append' (com.example.FileAppendHandlerFactory): create failed: IllegalStateException: set FILE_HANDLER_PATH");
    assertOneLineError(oneShot(jar(), List.of("run", "--plugins", "/nonexistent/plugins"), none),
        "plugins directory /nonexistent/plugins does not exist or is not a directory");
    assertOneLineError(oneShot(jar(), List.of("run", "--handler-threads", "0"), none),
        "handlerThreads must be between 1 and 1024, got 0");
  }

  @Test
  void badSourcePluginsExitTwoWithOneLine() {
    Map<String, String> none = Map.of();
    assertOneLineError(oneShot(jar(), List.of("run", "--plugins", pluginsDir.toString(), "--source", "nosuch"), none),
        "source 'nosuch': no source of that name (known: simulated, none, lines, schedule, counter) and no such class");
    assertOneLineError(oneShot(jar(), List.of("run", "--plugins", pluginsDir.toString(), "--source", "counter"), none),
        "source 'counter' (com.example.CounterSourceFactory): create failed: IllegalStateException: set COUNTER_SOURCE_TO");
    assertOneLineError(oneShot(classPath(badJar), List.of("run", "--source", "com.acme.NotAHandler"), none),
        "source class com.acme.NotAHandler does not implement dev.redfleet.api.Source, BlockingSource or SourceFactory");
  }

  private static void assertOneLineError(FleetProcess.Result r, String text) {
    assertThat(r.exitCode()).as(r.stderr()).isEqualTo(2);
    List<String> errorLines = r.stderr().lines().filter(l -> l.startsWith("redfleet: ")).toList();
    assertThat(errorLines).as(r.stderr()).hasSize(1);
    assertThat(errorLines.get(0)).startsWith("redfleet: bad configuration: ").contains(text);
    assertThat(r.stderr()).as("no stack trace").doesNotContain("\tat ").doesNotContain("Caused by");
  }

  private static List<String> jar() {
    return List.of("-jar", FleetProcess.JAR.toString());
  }

  private static List<String> classPath(Path plugin) {
    return List.of("-cp", FleetProcess.JAR + File.pathSeparator + plugin, "dev.redfleet.cli.Main");
  }

  private static List<String> withAll(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private Path log(String name) {
    return logs.get(name);
  }

  private final Map<String, Path> logs = new java.util.HashMap<>();

  private Process start(String name, List<String> jvm, List<String> args, Map<String, String> env) throws IOException {
    Files.createDirectories(FleetProcess.LOGS);
    Path log = FleetProcess.LOGS.resolve(String.format("plugin-%03d-%s.log", STARTED.incrementAndGet(), name));
    logs.put(name, log);
    ProcessBuilder builder = new ProcessBuilder(command(jvm, args)).redirectErrorStream(true)
        .redirectOutput(log.toFile()).directory(dir.toFile());
    clean(builder).putAll(env);
    Process p = builder.start();
    processes.add(p);
    return p;
  }

  private FleetProcess.Result oneShot(List<String> jvm, List<String> args, Map<String, String> env) {
    try {
      Path out = Files.createTempFile(dir, "stdout", ".txt");
      Path err = Files.createTempFile(dir, "stderr", ".txt");
      ProcessBuilder builder = new ProcessBuilder(command(jvm, args)).redirectOutput(out.toFile())
          .redirectError(err.toFile()).directory(dir.toFile());
      clean(builder).putAll(env);
      Process p = builder.start();
      processes.add(p);
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("did not end within 60 s: " + args);
      }
      return new FleetProcess.Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> clean(ProcessBuilder builder) {
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.equals("REDIS_URL") || k.startsWith("REDFLEET_") || k.equals("FILE_HANDLER_PATH")
        || k.equals("COUNTER_SOURCE_TO"));
    return env;
  }

  private static List<String> command(List<String> jvm, List<String> args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(FleetProcess.JVM_OPTIONS);
    command.addAll(jvm);
    command.addAll(args);
    return command;
  }
}
