package dev.redfleet.bench;

import dev.redfleet.redis.RedisConnector;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the processes of a fleet on this machine, for {@code bench} and {@code demo}: a private
 * {@code redis-server} and fleet JVMs of this very jar. Each process writes its output to a log
 * file in the work directory. Stopping them is the caller's job ({@link #stopAll}).
 */
public final class FleetLauncher {
  private final Path workDir;
  private final List<String> jvmOptions;

  /**
   * @param workDir where the logs (and the private Redis' files) go
   * @param jvmOptions options of every fleet JVM (heap, GC)
   */
  public FleetLauncher(Path workDir, List<String> jvmOptions) {
    this.workDir = workDir;
    this.jvmOptions = jvmOptions;
  }

  /** A private redis-server on a free loopback port, without persistence, answering PING. */
  public record PrivateRedis(Process process, String url) {}

  public PrivateRedis startRedis(Vertx vertx) throws Exception {
    return startRedis(vertx, "redis");
  }

  /**
   * A private redis-server named {@code name} (its directory and log under the work directory),
   * with extra arguments (e.g. {@code --replicaof host port}).
   */
  public PrivateRedis startRedis(Vertx vertx, String name, String... extraArgs) throws Exception {
    String binary = redisServerOnPath();
    if (binary == null) {
      throw new IllegalArgumentException("needs redis-server on the PATH, or --redis URL");
    }
    return startRedisFrom(vertx, binary, name, extraArgs);
  }

  /** The redis-server on the PATH, or null. */
  public static String redisServerOnPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      if (new File(dir, "redis-server").canExecute()) {
        return new File(dir, "redis-server").getPath();
      }
    }
    return null;
  }

  /** A private Redis run from the server executable {@code binary}. */
  public PrivateRedis startRedisFrom(Vertx vertx, String binary, String name, String... extraArgs) throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Path dir = Files.createDirectories(workDir.resolve(name));
    List<String> command = new ArrayList<>(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString()));
    command.addAll(List.of(extraArgs));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true).redirectOutput(workDir.resolve(name + ".log").toFile()).start();
    String url = "redis://127.0.0.1:" + port;
    Redis probe = RedisConnector.create(vertx, url).pooled(1);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        try {
          probe.send(Request.cmd(Command.PING)).await(Duration.ofSeconds(1));
          return new PrivateRedis(process, url);
        } catch (Exception notYet) {
          if (System.nanoTime() > deadline) {
            process.destroyForcibly();
            throw new IllegalStateException("the private redis-server did not start; see " + workDir);
          }
          TimeUnit.MILLISECONDS.sleep(50);
        }
      }
    } finally {
      probe.close();
    }
  }

  /** {@code java <jvmOptions> -jar <this jar> run <runArgs>}, output to {@code <logName>.log}. */
  public Process startNode(String logName, List<String> runArgs) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", ownJar(), "run"));
    command.addAll(runArgs);
    File log = logOf(logName).toFile();
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    // the fleet's settings come from the arguments only
    builder.environment().keySet().removeIf(k -> k.equals("REDIS_URL") || k.startsWith("REDFLEET_"));
    return builder.start();
  }

  public Path logOf(String logName) {
    return workDir.resolve(logName + ".log");
  }

  /** SIGTERM to every live process, then SIGKILL to those still running after {@code grace}. */
  public static void stopAll(List<Process> processes, Duration grace) {
    for (Process p : processes) {
      p.destroy();
    }
    long deadline = System.nanoTime() + grace.toNanos();
    for (Process p : processes) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  static String ownJar() {
    try {
      return Path.of(FleetLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException("cannot locate the running jar", e);
    }
  }
}
