package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.AnchorLike;
import dev.redfleet.testing.Entries;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node owns its id while its process lives (issue 7 item 4, issue 9 section 4): a second process
 * with a live node's id is refused at start with exit 2 and one line; a node SIGKILLed while holding
 * messages and restarted at once with the same id hands back what its previous process held before
 * it claims anything, without waiting for staleMs. The fleet runs with --liveness-ms 0 and a
 * staleMs of 120 s so that neither of the reaper's paths can do it instead: only the restart does. Before, the restarted process
 * kept the id's heartbeat fresh and the messages stayed stranded for good.
 */
class NodeIdentityIT {
  private static final long MESSAGES = 3000;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "1", "--limit", Long.toString(MESSAGES),
      "--max-delay-ms", "1500", "--liveness-ms", "0", "--stale-ms", "120000"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void aSecondProcessWithALiveIdIsRefusedWithExitTwoAndOneLine() {
    FleetProcess node = fleet.start();
    Waits.until("node1 registered", Duration.ofSeconds(30),
        () -> fleet.redis.call("HGET", fleet.redis.keys.anchors(), node.name) != null);
    FleetProcess.Result second = FleetProcess.oneShot(List.of("run", "--redis", fleet.server.url(),
        "--node-id", node.name));
    System.out.println("FIGURE second process with a live node id: exit " + second.exitCode() + ", stderr: "
        + second.stderr().strip());
    assertThat(second.exitCode()).isEqualTo(2);
    // one error line (run's own log lines, such as which config file it read, may come before it)
    assertThat(second.stderr().lines().filter(l -> l.startsWith("redfleet: "))).singleElement().asString()
        .contains("node id 'node1' is in use by a live process");
    assertThat(second.stderr()).doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(node.alive()).isTrue();

    // status shows each node's connection: alive, then gone once the process is SIGKILLed (no
    // other node is left to reap it)
    assertThat(connectionInStatus(node.name)).isEqualTo("alive");
    node.kill();
    assertThat(connectionInStatus(node.name)).isEqualTo("gone");
  }

  /**
   * Issue 15 section 5: another live process takes node1's id while node1's anchor is disconnected.
   * run still ends with exit 2 and one line, now without IdentityVerticle's System.exit; and node1
   * leaves what the id holds to the process that owns it now (before, the exit's shutdown hook ran
   * the leave and put the other process's in-flight message back in the queue).
   */
  @Test
  void aNodeWhoseIdAnotherLiveProcessTookExitsTwoWithOneLineAndLeavesWhatTheIdHolds() throws Exception {
    FleetProcess node = fleet.startJoined("--source", "none");
    try (AnchorLike other = new AnchorLike(fleet.server.port(), fleet.redis)) {
      String held = Entries.entry(77, 1, 1, 1, "the other process's");
      fleet.redis.holdByHand(node.name, "other:1", java.util.List.of("77"), java.util.List.of(held));
      other.takeIdOf(node.name, fleet.redis);
      Waits.until("node1 ends", Duration.ofSeconds(60), () -> !node.alive());
      int exit = node.terminate(5);
      String log = node.logText();
      System.out.println("FIGURE id taken while disconnected: exit " + exit + ", "
          + log.lines().filter(l -> l.startsWith("redfleet: ")).findFirst().orElse("no redfleet: line"));
      assertThat(exit).as(log).isEqualTo(2);
      assertThat(log.lines().filter(l -> l.startsWith("redfleet: "))).as(log).singleElement().asString()
          .isEqualTo("redfleet: node id 'node1' was taken by another live process while this one was disconnected; "
              + "this node stops");
      assertThat(log).doesNotContain("\tat ").doesNotContain("Exception");
      assertThat(fleet.redis.string("HGET", fleet.redis.keys.inflight(node.name), "other:1")).as("what the id holds stays")
          .endsWith(held);
      assertThat(fleet.redis.held(node.name)).isEqualTo(1);
      assertThat(fleet.redis.number("LLEN", fleet.redis.keys.queue())).isZero();
      assertThat(fleet.redis.string("HGET", fleet.redis.keys.anchors(), node.name)).isEqualTo(other.identity);
    }
  }

  private String connectionInStatus(String nodeId) {
    FleetProcess.Result status = FleetProcess.oneShot(List.of("status", "--json", "--redis", fleet.server.url()));
    assertThat(status.exitCode()).as(status.stderr()).isZero();
    io.vertx.core.json.JsonObject json = new io.vertx.core.json.JsonObject(status.stdout().strip());
    return json.getJsonArray("nodes").stream().map(o -> (io.vertx.core.json.JsonObject) o)
        .filter(n -> n.getString("node").equals(nodeId)).findFirst().orElseThrow().getString("connection");
  }

  @Test
  void aWorkerKilledHoldingMessagesAndRestartedAtOnceWithItsIdStrandsNothing() {
    fleet.start();
    String generator = Fleet.nodeOf(fleet.awaitLeader());
    List<FleetProcess> workers = List.of(fleet.start(), fleet.start());
    FleetProcess victim = workers.stream().filter(w -> !w.name.equals(generator)).findFirst().orElseThrow();
    Waits.until(victim.name + " to hold messages", Duration.ofSeconds(30), () -> fleet.held(victim.name) > 50);
    victim.kill();
    long held = fleet.held(victim.name);
    List<String> args = new ArrayList<>(List.of("run", "--redis", fleet.server.url(), "--node-id", victim.name,
        "--interval-ms", "1", "--limit", Long.toString(MESSAGES), "--max-delay-ms", "1500", "--liveness-ms", "0", "--stale-ms", "120000"));
    FleetProcess restarted = FleetProcess.start(victim.name + "-again", args);
    try {
      Waits.until("the restarted node to hand back what it held", Duration.ofSeconds(60),
          () -> restarted.logText().contains("message(s) its previous process held went back to the queue"));
      fleet.awaitOutcomes(MESSAGES, Duration.ofSeconds(60));
      assertThat(restarted.alive()).isTrue();
      fleet.assertEveryIdRecordedOnce(MESSAGES);
      assertThat(fleet.redis.stat("requeued")).as("requeued = what the killed process held").isEqualTo(held);
      System.out.println("FIGURE restart with the same node id after SIGKILL: " + held
          + " message(s) held by the killed process went back at the restart; all " + MESSAGES + " recorded once");
    } finally {
      restarted.close();
    }
  }
}
