package dev.redfleet.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.NewMessage;
import dev.redfleet.api.PluginJars;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.send.Sender;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.TestRedis;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --source none}: the elected node produces nothing (not one produce call, watched with
 * MONITOR), yet it handles what is sent from outside and still moves due retries back to the
 * queue, as any generator does.
 */
class SourceNoneIT {
  @TempDir
  Path dir;

  @Test
  void theElectedNodeProducesNothingAndHandlesWhatIsSent() throws Exception {
    Path handled = dir.resolve("handled.tsv");
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(PluginJars.recorder(dir.resolve("build"), handled), plugins.resolve("recorder.jar"));
    try (Fleet fleet = new Fleet(List.of("--source", "none", "--plugins", plugins.toString(), "--handler", "com.acme.Recorder",
        "--attempts", "2", "--backoff-ms", "100"))) {
      FleetProcess node = fleet.startJoined();
      fleet.awaitLeader();
      assertThat(Fleet.nodeOf(fleet.leaderToken())).isEqualTo(node.name);
      // three seconds of an elected node with source none, every command it sends watched
      List<String> produceCalls = monitor(fleet.server.url(), Duration.ofSeconds(3));
      assertThat(produceCalls).as("produce calls").isEmpty();
      assertThat(fleet.redis.string("GET", fleet.redis.keys.seq())).isNull();
      assertThat(fleet.redis.stat("produced")).isZero();
      assertThat(fleet.redis.string("GET", fleet.redis.keys.sourceCursor())).isNull();
      assertThat(node.logText()).contains("source: none (the elected node emits nothing)");

      // sent from outside: the only node, the elected one, handles them (leaderHandles auto)
      List<NewMessage> messages = new ArrayList<>();
      for (int i = 1; i <= 500; i++) {
        messages.add(NewMessage.of((i % 50 == 0 ? "retry-" : "sent-") + i));
      }
      Sender sender = new Sender(new Scripts(fleet.redis.client()), fleet.redis.keys, 1_048_576, 60_000);
      List<Long> ids = TestRedis.await(sender.sendAll(messages));
      assertThat(ids).hasSize(500);
      fleet.awaitOutcomes(500, Duration.ofSeconds(60));
      fleet.assertEveryIdRecordedOnce(500);
      Map<Long, Recorded> byId = Recorded.byId(Recorded.read(handled));
      assertThat(byId).hasSize(500);
      assertThat(byId.values()).allMatch(r -> r.node().equals(node.name));
      // the bodies that fail their first attempt were retried: the leader moved them back when due
      assertThat(byId.values().stream().filter(r -> r.body().startsWith("retry-")))
          .hasSize(10).allMatch(r -> r.attempt() == 2);
      assertThat(fleet.redis.stat("failed")).isZero();
      assertThat(fleet.seq()).isEqualTo(500);
      assertThat(fleet.redis.stat("produced")).isEqualTo(fleet.redis.stat("sent"));
    }
  }

  /**
   * Every produce call Redis receives during {@code time}, from MONITOR on a connection of its own
   * (EVALSHA with the script's hash, or EVAL with its text).
   */
  private static List<String> monitor(String url, Duration time) throws Exception {
    URI uri = URI.create(url);
    List<String> calls = new ArrayList<>();
    int seen = 0;
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(200);
      OutputStream out = socket.getOutputStream();
      out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      long end = System.nanoTime() + time.toNanos();
      while (System.nanoTime() < end) {
        String line;
        try {
          line = in.readLine();
        } catch (java.net.SocketTimeoutException quiet) {
          continue;
        }
        if (line == null) {
          break;
        }
        seen++;
        if (line.contains(Script.PRODUCE.sha()) || line.contains("produce: the generator's only write")) {
          calls.add(line);
        }
      }
    }
    // the node is alive and talking (lease renewals, heartbeats): the watch saw its commands
    assertThat(seen).as("commands seen by MONITOR").isGreaterThan(5);
    return calls;
  }
}
