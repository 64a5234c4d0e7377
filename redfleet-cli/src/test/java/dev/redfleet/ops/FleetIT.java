package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The whole fleet as real JVMs from the fat jar on a private redis-server: one generator among
 * three, SIGKILL of the generator (three trials), SIGKILL of a worker holding messages, and at
 * the end an audit of every outcome, a getErrors drain and a clean SIGTERM of everyone.
 */
class FleetIT {
  // 30 s of generation: the generator kills (each replacement waits until it has joined, 4-5 s
  // of JVM start on a busy machine) must leave generation running for the worker kill
  private static final long LIMIT = 3000;
  private static final long LEASE_MS = 2000;

  private final Fleet fleet = new Fleet(List.of(
      "--interval-ms", "10", "--limit", Long.toString(LIMIT),
      "--workers", "2", "--concurrency", "50", "--max-delay-ms", "400",
      "--lease-ms", Long.toString(LEASE_MS), "--renew-ms", "500", "--retry-ms", "250",
      "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500", "--drain-ms", "3000"));

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void oneGeneratorFailoverWithoutGapsCrashedWorkersLoseNothingAndEveryOutcomeIsRecordedOnce() {
    for (int i = 0; i < 3; i++) {
      fleet.start();
    }
    Waits.until("generation to start", Duration.ofSeconds(30), () -> fleet.seq() > 20);
    Waits.until("all three nodes to heartbeat", Duration.ofSeconds(10),
        () -> fleet.redis.number("ZCARD", fleet.redis.keys.nodes()) == 3);

    // exactly one generator: the lease never changes hands while everyone is healthy, and only
    // one process ever became generator
    String token = fleet.leaderToken();
    for (int i = 0; i < 30; i++) {
      assertThat(fleet.leaderToken()).isEqualTo(token);
      Waits.pause(50);
    }
    long generators = fleet.nodes().values().stream().filter(n -> n.logText().contains("is now the generator")).count();
    assertThat(generators).isEqualTo(1);

    // SIGKILL the generator, three times; a replacement node joins after each kill
    List<Long> takeovers = new ArrayList<>();
    for (int trial = 0; trial < 3; trial++) {
      Fleet.Takeover takeover = fleet.killGeneratorAndTimeTakeover();
      takeovers.add(takeover.millis());
      assertThat(takeover.millis()).as("takeover after SIGKILL of the generator").isLessThan(LEASE_MS + 1000);
      assertThat(Fleet.epochOf(takeover.newToken())).isEqualTo(trial + 2);
      fleet.startJoined();
    }
    System.out.println("FIGURE takeover after generator SIGKILL (ms): " + takeovers);

    // SIGKILL a worker while it holds messages: they go back to the queue and others finish them
    Waits.until("killed nodes forgotten", Duration.ofSeconds(15),
        () -> fleet.redis.number("ZCARD", fleet.redis.keys.nodes()) == 3);
    long requeuedBefore = fleet.redis.stat("requeued");
    String generatorNode = Fleet.nodeOf(fleet.leaderToken());
    String[] victim = new String[1];
    Waits.until("a worker holding messages", Duration.ofSeconds(20), () -> {
      for (String id : fleet.nodes().keySet()) {
        if (!id.equals(generatorNode) && fleet.node(id).alive() && fleet.held(id) >= 5) {
          victim[0] = id;
          return true;
        }
      }
      return false;
    });
    // frozen, read, then killed: a dead worker's messages go back within milliseconds now (its
    // connection is gone), too soon to be read after the kill; a frozen one keeps them
    fleet.node(victim[0]).signal("STOP");
    Waits.pause(100);
    long heldAtDeath = fleet.held(victim[0]);
    fleet.node(victim[0]).kill();
    assertThat(heldAtDeath).isPositive();
    long reapMs = Waits.until("the dead worker's messages to be requeued", Duration.ofSeconds(10),
        () -> fleet.held(victim[0]) == 0);
    assertThat(fleet.redis.stat("requeued") - requeuedBefore).isEqualTo(heldAtDeath);
    System.out.println("FIGURE worker SIGKILLed holding " + heldAtDeath + " messages; requeued "
        + (fleet.redis.stat("requeued") - requeuedBefore) + " within " + reapMs + " ms of the kill");

    // drain: every message gets exactly one outcome, ids 1..LIMIT without a gap
    fleet.awaitOutcomes(LIMIT, Duration.ofSeconds(90));
    assertThat(fleet.seq()).isEqualTo(LIMIT);
    assertThat(fleet.redis.stat("produced")).isEqualTo(LIMIT);
    assertThat(fleet.redis.number("LLEN", fleet.redis.keys.queue())).isZero();
    fleet.assertEveryIdRecordedOnce(LIMIT);

    // getErrors prints exactly the failed messages, then the list is empty
    long failed = fleet.redis.stat("failed");
    assertThat(failed).isPositive();
    assertThat(fleet.redis.number("LLEN", fleet.redis.keys.errors())).isEqualTo(failed);
    List<JsonObject> errors = fleet.drainErrors();
    Set<Long> printed = new HashSet<>();
    for (JsonObject entry : errors) {
      assertThat(entry.getString("error")).isEqualTo("handler reported an error");
      assertThat(entry.getString("node")).startsWith("node");
      printed.add(entry.getLong("id"));
    }
    assertThat(errors).hasSize((int) failed);
    assertThat(printed).hasSize((int) failed);
    assertThat(fleet.redis.number("LLEN", fleet.redis.keys.errors())).isZero();

    // SIGTERM: every node leaves cleanly, the lease is released and nothing stays registered
    for (FleetProcess node : fleet.nodes().values()) {
      if (node.alive()) {
        assertThat(node.terminate(30)).as("exit code after SIGTERM").isEqualTo(143);
      }
    }
    assertThat(fleet.redis.number("ZCARD", fleet.redis.keys.nodes())).isZero();
    assertThat(fleet.leaderToken()).isNull();
    System.out.println("FIGURE final stats: " + fleet.redis.call("HGETALL", fleet.redis.keys.stats()));
  }
}
