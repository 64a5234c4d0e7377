package dev.redfleet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A real JVM started from the fat jar, which tests can SIGKILL, SIGTERM, SIGSTOP and SIGCONT. */
public final class FleetProcess implements AutoCloseable {
  public static final Path JAR = Path.of(System.getProperty("redfleet.fatJar", "target/app-fat.jar")).toAbsolutePath();
  public static final Path LOGS = Path.of("target", "it-logs").toAbsolutePath();
  /** Numbers the log files, so that nodes of different tests with the same name keep their own. */
  private static final AtomicInteger STARTED = new AtomicInteger();

  public final String name;
  public final Path log;
  private final Process process;

  private FleetProcess(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  /** {@code java -jar app-fat.jar <args>}, output to {@code target/it-logs/<NNN>-<name>.log}. */
  public static FleetProcess start(String name, List<String> args) {
    return start(name, args, java.util.Map.of());
  }

  /** {@link #start(String, List)} with extra environment variables (REDFLEET_HTTP_TOKEN, say). */
  public static FleetProcess start(String name, List<String> args, java.util.Map<String, String> env) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: run mvn verify (package comes first)");
    }
    try {
      Files.createDirectories(LOGS);
      Path log = LOGS.resolve(String.format("%03d-%s.log", STARTED.incrementAndGet(), name));
      List<String> command = jarCommand();
      command.addAll(args);
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(LOGS.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
      builder.environment().keySet().removeIf(k -> k.startsWith("REDIS_") || k.startsWith("REDFLEET_"));
      builder.environment().putAll(env);
      return new FleetProcess(name, log, builder.start());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code run} with the given node id and options. */
  public static FleetProcess node(String redisUrl, String nodeId, List<String> options) {
    List<String> args = new ArrayList<>(List.of("run", "--redis", redisUrl, "--node-id", nodeId));
    args.addAll(options);
    return start(nodeId, args);
  }

  /** What a one-shot command printed and returned. */
  public record Result(int exitCode, String stdout, String stderr) {
    public List<String> lines() {
      return stdout.lines().filter(l -> !l.isBlank()).toList();
    }

    /**
     * The command failed the way a refused or unreachable Redis must end it: exit code
     * {@code exit}, and stderr exactly one line, {@code redfleet: ...} with {@code expected} in it
     * and no Java exception; none of {@code secrets} printed anywhere.
     */
    public void assertOneLineError(int exit, String expected, String... secrets) {
      org.assertj.core.api.Assertions.assertThat(exitCode).as(stderr).isEqualTo(exit);
      org.assertj.core.api.Assertions.assertThat(stderr.lines().filter(l -> !l.isBlank()).toList()).as(stderr).hasSize(1);
      org.assertj.core.api.Assertions.assertThat(stderr).startsWith("redfleet: ").contains(expected).doesNotContain("Exception");
      for (String secret : secrets) {
        org.assertj.core.api.Assertions.assertThat(stderr).doesNotContain(secret);
        org.assertj.core.api.Assertions.assertThat(stdout).doesNotContain(secret);
      }
    }
  }

  /** Runs a one-shot command to its end, keeping stdout and stderr apart. */
  public static Result oneShot(List<String> args) {
    return oneShot(args, java.util.Map.of());
  }

  /** Runs a one-shot command with extra environment variables (REDIS_PASSWORD, say). */
  public static Result oneShot(List<String> args, java.util.Map<String, String> env) {
    return oneShot(args, env, null);
  }

  /** Runs a one-shot command with its stdin read from {@code stdin} (null: none). */
  public static Result oneShot(List<String> args, java.util.Map<String, String> env, Path stdin) {
    try {
      Files.createDirectories(LOGS);
      Path out = Files.createTempFile(LOGS, "stdout", ".txt");
      Path err = Files.createTempFile(LOGS, "stderr", ".txt");
      List<String> command = jarCommand();
      command.addAll(args);
      ProcessBuilder builder = new ProcessBuilder(command).directory(LOGS.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      if (stdin != null) {
        builder.redirectInput(stdin.toFile());
      }
      builder.environment().keySet().removeIf(k -> k.startsWith("REDIS_") || k.startsWith("REDFLEET_"));
      builder.environment().putAll(env);
      Process p = builder.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("command did not end within 120 s: " + args);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** The exit status of a process that has ended. */
  public int exitValue() {
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook runs. */
  public void kill() {
    process.destroyForcibly();
    waitForExit(10);
  }

  /** SIGTERM: the node leaves gracefully; returns its exit code. */
  public int terminate(long waitSeconds) {
    process.destroy();
    waitForExit(waitSeconds);
    return process.exitValue();
  }

  public void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
  /**
   * SIGSTOPs this process (its connection stays open, so nothing it holds moves) until it is caught
   * holding messages ({@code held} above 0), then SIGKILLs it; returns the time of the kill
   * (System.nanoTime).
   */
  public long freezeHoldingAndKill(java.util.function.LongSupplier held) {
    for (int attempt = 0; attempt < 200; attempt++) {
      signal("STOP");
      Waits.pause(50);
      if (held.getAsLong() > 0) {
        long killedAt = System.nanoTime();
        kill();
        return killedAt;
      }
      signal("CONT");
      Waits.pause(100);
    }
    throw new AssertionError(name + " was never caught holding a message");
  }


  public String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private void waitForExit(long seconds) {
    try {
      if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
        throw new AssertionError(name + " did not exit within " + seconds + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  /**
   * The options of every JVM the tests start from the fat jar. C1 only: a test's node lives seconds,
   * and on a 2-core machine C2 compiling its hot paths competes with Redis and the other JVMs for
   * the cores the suite is bound by (measured: a node generating for 10 s used 2.9 s of CPU with C2,
   * 1.7 s without). What the code does is the same either way; only how fast it warms up differs.
   */
  public static final List<String> JVM_OPTIONS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * {@code java <options> -jar app-fat.jar}, with the jar's class-data archive when there is one: the
   * suite starts hundreds of these JVMs, and an archive of the classes a node loads at start (Vert.x,
   * Netty, the Redis client, picocli) takes about 0.7 s of CPU off each start on this 2-core machine.
   * It changes nothing a test checks: same jar, same classes, only their parsed form is shared.
   * The JVMs run C1 only ({@link #JVM_OPTIONS}), as the fleets of {@code bench} and {@code demo} do.
   */
  public static List<String> jarCommand() {
    List<String> command = new ArrayList<>(List.of(javaBinary()));
    command.addAll(JVM_OPTIONS);
    Path archive = ClassArchive.of(JAR, javaBinary());
    if (archive != null) {
      // an archive that does not match (a jar rebuilt under a running suite) is ignored, silently
      command.addAll(List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
    }
    command.addAll(List.of("-jar", JAR.toString()));
    return command;
  }
}
