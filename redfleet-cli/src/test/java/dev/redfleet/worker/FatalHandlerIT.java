package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.PluginJars;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Issue 15 section 3 with real processes (heap 256 MiB, as every test node): a handler's fatal
 * error must not strand the rest of its claim, and a handler's {@code System.exit(0)} must not end
 * the node with status 0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FatalHandlerIT {
  private static final long MESSAGES = 300;
  private Path plugins;

  @BeforeAll
  void buildPlugins(@TempDir Path build) throws IOException {
    plugins = Files.createDirectories(build.resolve("plugins"));
    Path jar = PluginJars.fromSources(build, "fatal-handlers", Map.of(
        "com.acme.HugeAllocation", """
            package com.acme;
            import dev.redfleet.api.*;
            import io.vertx.core.Future;
            /** Every third message asks for a 16 GiB array: the JVM throws OutOfMemoryError. */
            public class HugeAllocation implements Handler {
              public Future<Void> handle(Message m) {
                if (m.id() % 3 == 0) {
                  long[] huge = new long[Integer.MAX_VALUE - 8];
                  huge[0] = m.id();
                }
                return Future.succeededFuture();
              }
            }
            """,
        "com.acme.ExitZero", """
            package com.acme;
            import dev.redfleet.api.*;
            /** A blocking handler that ends the process with status 0 on message 5. */
            public class ExitZero implements BlockingHandler {
              public void handle(Message m) throws Exception {
                if (m.id() == 5) {
                  System.exit(0);
                }
                Thread.sleep(100);
              }
            }
            """,
        "com.acme.ExitZeroOnTheEventLoop", """
            package com.acme;
            import dev.redfleet.api.*;
            import io.vertx.core.Future;
            /** An asynchronous handler that calls System.exit(0) on message 5, on the worker's event loop. */
            public class ExitZeroOnTheEventLoop implements Handler {
              public Future<Void> handle(Message m) {
                if (m.id() == 5) {
                  System.exit(0);
                }
                return Future.succeededFuture();
              }
            }
            """));
    Files.copy(jar, plugins.resolve("fatal-handlers.jar"));
  }

  /**
   * The fleet of one test, on a redis-server of its own: its one node ({@link Fleet#start}) generates
   * the messages and handles them itself, in claims of up to 300. Each test has its own fleet, so the
   * four run side by side: they mostly wait (for a node to exit, or to leave after drainMs + 10 s)
   * and none has an upper timing bound.
   */
  private Fleet fleet(String handler) {
    return new Fleet(List.of("--interval-ms", "0", "--limit", Long.toString(MESSAGES), "--leader-handles", "true",
        "--workers", "1", "--concurrency", "300", "--plugins", plugins.toString(), "--handler", handler,
        "--handler-timeout-ms", "120000"));
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aHandlerWhose16GibAllocationFailsFailsThatMessageAndTheWholeClaimIsRecorded() {
    try (Fleet fleet = fleet("com.acme.HugeAllocation")) {
      FleetProcess node = fleet.start();
      // without the fix the rest of a claim stays in flight on a healthy node: wait for the outcomes
      // to stop coming, then compare
      long recorded = -1;
      for (int quiet = 0; quiet < 10 && recorded < MESSAGES; ) {
        Waits.pause(1000);
        long now = fleet.redis.stat("processed");
        quiet = now == recorded ? quiet + 1 : 0;
        recorded = now;
      }
      long inFlight = fleet.redis.held(node.name);
      System.out.println("FIGURE node handler's 16 GiB allocation (every third message): messages=" + MESSAGES
          + " recorded=" + recorded + " stranded in flight=" + inFlight + " failed=" + fleet.redis.stat("failed")
          + " node alive=" + node.alive());
      assertThat(recorded).isEqualTo(MESSAGES);
      assertThat(inFlight).isZero();
      fleet.assertEveryIdRecordedOnce(MESSAGES);
      assertThat(fleet.redis.stat("failed")).isEqualTo(MESSAGES / 3);
      for (Response e : fleet.redis.call("LRANGE", fleet.redis.keys.errors(), 0, -1)) {
        JsonObject entry = new JsonObject(e.toString());
        assertThat(entry.getLong("id") % 3).isZero();
        assertThat(entry.getString("error")).startsWith("exception: java.lang.OutOfMemoryError");
      }
      assertThat(node.alive()).as("the node goes on").isTrue();
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aBlockingHandlerThatCallsSystemExitZeroEndsTheNodeWithStatusOneAfterItLeft() throws Exception {
    try (Fleet fleet = fleet("com.acme.ExitZero")) {
      FleetProcess node = fleet.start("--handler-threads", "4", "--drain-ms", "3000");
      int status = awaitExit(node, 60);
      System.out.println("FIGURE handler System.exit(0), blocking handler: node exit status " + status);
      assertThat(status).as("exit status").isEqualTo(1);
      assertThat(node.logText()).contains("other than the node called System.exit")
          .contains("com.acme.ExitZero.handle");
      // it left as on SIGTERM: nothing it held is stranded
      assertThat(fleet.held(node.name)).isZero();
      assertThat(fleet.redis.call("ZSCORE", fleet.redis.keys.nodes(), node.name)).isNull();
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void anAsynchronousHandlerThatCallsSystemExitZeroOnTheEventLoopStillEndsTheNodeWithStatusOne() throws Exception {
    // the exit blocks the worker's event loop: the leave waits out its limit (drainMs + 10 s), then the status is set
    try (Fleet fleet = fleet("com.acme.ExitZeroOnTheEventLoop")) {
      FleetProcess node = fleet.start("--drain-ms", "1000");
      int status = awaitExit(node, 90);
      System.out.println("FIGURE handler System.exit(0) on the event loop: node exit status " + status);
      assertThat(status).as("exit status").isEqualTo(1);
      assertThat(node.logText()).contains("com.acme.ExitZeroOnTheEventLoop.handle");
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aNodeEndedBySigtermStillExitsWith143() {
    try (Fleet fleet = fleet("simulated")) {
      FleetProcess node = fleet.start();
      Waits.until("node joined", Duration.ofSeconds(60), () -> fleet.redis.call("HGET", fleet.redis.keys.anchors(), node.name) != null);
      assertThat(node.terminate(60)).isEqualTo(143);
    }
  }

  private static int awaitExit(FleetProcess node, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (node.alive() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(node.alive()).as(node.name + " ended within " + seconds + " s").isFalse();
    return node.exitValue();
  }
}
