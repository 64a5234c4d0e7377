package dev.redfleet.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A private Redis for one test class: a {@code redis-server} process on a free port (so a test can
 * kill it, restart it, and never share state), or Testcontainers' Redis where there is no
 * redis-server binary but Docker works. Where neither exists the test fails, loudly.
 */
public final class RedisServer implements AutoCloseable {
  private final int port;
  private final Path dir;
  private final List<String> extraArgs;
  private Process process;
  private boolean tls;
  private GenericContainer<?> container;

  private RedisServer(int port, Path dir, List<String> extraArgs) {
    this.port = port;
    this.dir = dir;
    this.extraArgs = extraArgs;
  }

  public static RedisServer start(String... extraArgs) {
    try {
      return startOn(freePort(), extraArgs);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A redis-server on a given port: for tests that start a node before its Redis exists. */
  public static RedisServer startOn(int port, String... extraArgs) {
    try {
      RedisServer server = new RedisServer(port, Files.createTempDirectory("redfleet-redis"), List.of(extraArgs));
      if (binary() != null) {
        server.startProcess();
      } else if (DockerClientFactory.instance().isDockerAvailable()) {
        server.startContainer();
      } else {
        throw new IllegalStateException("tests need Redis: install redis-server (apt-get install -y redis-server) or run Docker");
      }
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A Redis in a container started by Testcontainers, whatever the PATH holds. Settings these
   * machines need: Ryuk off and host override 127.0.0.1 (the failsafe configuration sets both),
   * the local base image, host networking with a fixed free port, readiness from the log.
   */
  public static RedisServer inContainer(String... extraArgs) {
    try {
      RedisServer server = new RedisServer(freePort(), Files.createTempDirectory("redfleet-redis"), List.of(extraArgs));
      server.startContainer();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String url() {
    return "redis://127.0.0.1:" + port();
  }

  public int port() {
    return port;
  }

  /** SIGKILL: the server dies without saving anything it had not already written. */
  public void kill() {
    requireProcess();
    process.destroyForcibly();
    waitFor(process);
  }

  /** Starts the server again on the same port and data directory. */
  public void restart() {
    requireProcess();
    startProcess();
  }

  /**
   * Starts the server again on the same port and data directory, with more arguments than it
   * started with the first time (say {@code --replicaof host port}: the old master back as a replica).
   */
  public void restart(String... moreArgs) {
    requireProcess();
    startProcess(moreArgs);
  }

  private void startProcess(String... moreArgs) {
    List<String> command = new ArrayList<>(List.of(binary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--logfile", dir.resolve("redis.log").toString()));
    command.addAll(extraArgs);
    command.addAll(List.of(moreArgs));
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("could not start redis-server", e);
    }
    awaitPing();
  }

  private void startContainer() {
    List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
    command.addAll(extraArgs);
    container = new GenericContainer<>(DockerImageName.parse(Docker.BASE_IMAGE))
        .withNetworkMode("host")
        .withCommand(command.toArray(String[]::new))
        .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
    container.start();
    awaitPing();
  }

  private void requireProcess() {
    if (process == null) {
      throw new IllegalStateException("this test needs a redis-server process it can kill");
    }
  }

  private void awaitPing() {
    if (tls) {
      awaitTcp();
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket("127.0.0.1", port())) {
        OutputStream out = socket.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] reply = new byte[7];
        // +PONG, or -NOAUTH from a server with a password: either way it is up (not -LOADING)
        int n = in.read(reply);
        String text = n > 0 ? new String(reply, 0, n, StandardCharsets.US_ASCII) : "";
        if (text.startsWith("+PONG") || text.startsWith("-NOAUTH")) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Waits.pause(20);
    }
    throw new IllegalStateException("redis-server did not answer PING on port " + port());
  }

  /** A TLS-only server answers nothing to a plain PING: accepting connections is enough. */
  private void awaitTcp() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket("127.0.0.1", port())) {
        return;
      } catch (IOException notYet) {
        Waits.pause(20);
      }
    }
    throw new IllegalStateException("redis-server (TLS) did not listen on port " + port());
  }

  /**
   * A TLS-only redis-server (no plain port) with the given certificates;
   * {@code authClients} is redis' tls-auth-clients: "no", "optional" or "yes" (mutual TLS).
   */
  public static RedisServer startTls(Certificates certs, String authClients, String... extraArgs) {
    try {
      int port = freePort();
      List<String> args = new ArrayList<>(List.of("--port", "0", "--tls-port", Integer.toString(port),
          "--tls-cert-file", certs.serverCert().toString(), "--tls-key-file", certs.serverKey().toString(),
          "--tls-ca-cert-file", certs.ca().toString(), "--tls-auth-clients", authClients));
      args.addAll(List.of(extraArgs));
      RedisServer server = new RedisServer(port, Files.createTempDirectory("redfleet-redis-tls"), args);
      server.tls = true;
      if (binary() == null) {
        throw new IllegalStateException("TLS tests need redis-server (apt-get install -y redis-server)");
      }
      server.startProcess();
      return server;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SIGSTOP/SIGCONT-free pid, for tests that kill a server another way. */
  public long pid() {
    requireProcess();
    return process.pid();
  }

  public Path dir() {
    return dir;
  }

  /**
   * After {@link #kill()}: a separate, standalone redis-server (known to no sentinel or cluster) on
   * a copy of this server's append-only data, to read exactly what it had acknowledged. Close it
   * when done; the copy is a fresh temp directory.
   */
  public RedisServer openCopyOfData() {
    try {
      Path copy = Files.createTempDirectory("redfleet-killed-copy");
      try (var files = Files.walk(dir)) {
        for (Path p : files.toList()) {
          Path target = copy.resolve(dir.relativize(p).toString());
          if (Files.isDirectory(p)) {
            Files.createDirectories(target);
          } else if (!p.getFileName().toString().endsWith(".log")) {
            Files.copy(p, target);
          }
        }
      }
      return start("--appendonly", "yes", "--dir", copy.toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroyForcibly();
      waitFor(process);
    }
    if (container != null) {
      container.stop();
    }
  }

  private static void waitFor(Process p) {
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/usr/local/bin").split(File.pathSeparator)) {
      File candidate = new File(dir, "redis-server");
      if (candidate.canExecute()) {
        return candidate.getPath();
      }
    }
    return null;
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
