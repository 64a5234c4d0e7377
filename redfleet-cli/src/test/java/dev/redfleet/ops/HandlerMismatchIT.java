package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.PluginJars;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Http;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * One handler per namespace (issue 17 "Adoptable"): two node JVMs from the fat jar on one Redis.
 * With different handlers (the built-in simulated one, and a plug-in loaded by class name) each
 * node logs a WARN naming both nodes and handlers, {@code status} shows each node's handler and a
 * warning, and {@code /metrics} counts two handlers; with the same handler nobody warns.
 */
class HandlerMismatchIT {
  // the two cases mostly wait (for the nodes' periodic check), each on its own server: they run
  // side by side
  private static final List<String> OPTIONS = List.of("--source", "none", "--heartbeat-ms", "250", "--stale-ms", "1500");
  /** A node checks when it says its role (about a second after it joined), then every 10 s. */
  private static final Duration CHECKED = Duration.ofSeconds(15);

  @TempDir
  Path dir;

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void nodesWithDifferentHandlersWarnAndStatusShowsEachHandler() throws Exception {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(PluginJars.recorder(dir.resolve("build"), dir.resolve("handled.tsv")), plugins.resolve("recorder.jar"));
    try (Fleet fleet = new Fleet(OPTIONS)) {
      FleetProcess simulated = fleet.startJoined("--http-port", "0");
      FleetProcess recorder = fleet.startJoined("--plugins", plugins.toString(), "--handler", "com.acme.Recorder");

      String seenByRecorder = "NodeSummaryVerticle - node node2 runs handler 'recorder', but live node(s)"
          + " node1 run(s) handler 'simulated' in namespace 'redfleet'";
      String seenBySimulated = "node node1 runs handler 'simulated', but live node(s) node2 run(s) handler 'recorder'"
          + " in namespace 'redfleet'";
      Waits.until("both nodes to warn", CHECKED,
          () -> warnings(recorder).contains(seenByRecorder) && warnings(simulated).contains(seenBySimulated));

      FleetProcess.Result status = FleetProcess.oneShot(List.of("status", "--redis", fleet.server.url()));
      System.out.println("FIGURE status with two handlers:\n" + status.stdout());
      assertThat(status.exitCode()).as(status.stderr()).isZero();
      assertThat(status.stdout())
          .containsPattern("node1  alive, .*, handler simulated\n")
          .containsPattern("node2  alive, .*, handler recorder\n")
          .contains("WARNING     live nodes run different handlers (recorder, simulated)");

      FleetProcess.Result json = FleetProcess.oneShot(List.of("status", "--json", "--redis", fleet.server.url()));
      JsonObject s = new JsonObject(json.stdout().trim());
      assertThat(s.getJsonArray("handlers").getList()).containsExactly("recorder", "simulated");
      assertThat(s.getJsonArray("nodes").stream().map(o -> ((JsonObject) o).getString("node") + "="
          + ((JsonObject) o).getString("handler")).collect(Collectors.toList()))
          .containsExactlyInAnyOrder("node1=simulated", "node2=recorder");

      int port = Http.portOf(simulated);
      Waits.until("/metrics to count two handlers", Duration.ofSeconds(10),
          () -> Http.sample(Http.get("http://127.0.0.1:" + port + "/metrics").body(), "redfleet_fleet_handlers", null) == 2.0);

      // the recorder leaves: its record goes with it, and the other node's status shows one handler
      assertThat(recorder.terminate(30)).as("exit code after SIGTERM").isEqualTo(143);
      assertThat(fleet.redis.call("HGET", fleet.redis.keys.handlers(), "node2")).isNull();
      assertThat(FleetProcess.oneShot(List.of("status", "--redis", fleet.server.url())).stdout())
          .doesNotContain("different handlers").containsPattern("node1  alive, .*, handler simulated\n");
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void nodesWithTheSameHandlerDoNotWarn() {
    try (Fleet fleet = new Fleet(OPTIONS)) {
      FleetProcess first = fleet.startJoined();
      FleetProcess second = fleet.startJoined();
      Waits.until("both nodes' handlers in status", Duration.ofSeconds(10), () -> {
        String out = FleetProcess.oneShot(List.of("status", "--redis", fleet.server.url())).stdout();
        return out.contains("node1  alive") && out.contains("node2  alive") && out.split("handler simulated", -1).length == 3;
      });
      // as long as the other test gives both nodes to warn
      Waits.pause(CHECKED.toMillis());
      // both said their role (when each checks first), and neither found another handler since
      assertThat(first.logText()).contains("NodeSummaryVerticle - node node1 is ").doesNotContain("runs handler");
      assertThat(second.logText()).contains("NodeSummaryVerticle - node node2 is ").doesNotContain("runs handler");
      FleetProcess.Result status = FleetProcess.oneShot(List.of("status", "--json", "--redis", fleet.server.url()));
      assertThat(new JsonObject(status.stdout().trim()).getJsonArray("handlers").getList()).containsExactly("simulated");
      assertThat(FleetProcess.oneShot(List.of("status", "--redis", fleet.server.url())).stdout())
          .doesNotContain("WARNING");
    }
  }

  /** The node's WARN lines. */
  private static String warnings(FleetProcess node) {
    return node.logText().lines().filter(l -> l.contains(" WARN ")).collect(Collectors.joining("\n"));
  }
}
