package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole fleet as real JVMs from the fat jar on a private redis-server: one generator among
 * three, SIGKILL of the generator (several trials), SIGKILL of a worker holding messages, and at
 * the end an audit of every outcome and a getErrors drain.
 */
class FleetIT {
  private static final long LIMIT = 1500;
  private static final long LEASE_MS = 2000;
  private static final List<String> OPTIONS = List.of(
      "--interval-ms", "10", "--limit", Long.toString(LIMIT),
      "--workers", "2", "--concurrency", "50", "--max-delay-ms", "400",
      "--lease-ms", Long.toString(LEASE_MS), "--renew-ms", "500", "--retry-ms", "250",
      "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500", "--drain-ms", "3000");

  private RedisServer server;
  private TestRedis redis;
  private final Map<String, FleetProcess> nodes = new LinkedHashMap<>();
  private int started;

  @BeforeEach
  void start() {
    server = RedisServer.start();
    redis = new TestRedis(server.url(), "redfleet");
  }

  @AfterEach
  void stop() {
    nodes.values().forEach(FleetProcess::close);
    redis.close();
    server.close();
  }

  private FleetProcess startNode() {
    String id = "node" + (++started);
    FleetProcess node = FleetProcess.node(server.url(), id, OPTIONS);
    nodes.put(id, node);
    return node;
  }

  private String leaderToken() {
    return redis.string("GET", redis.keys.leader());
  }

  private static String nodeOf(String token) {
    return token.substring(0, token.lastIndexOf(':'));
  }

  private long seq() {
    return redis.number("GET", redis.keys.seq());
  }

  private long held(String node) {
    return redis.number("HLEN", redis.keys.inflight(node)) + redis.number("LLEN", redis.keys.landing(node));
  }

  @Test
  void oneGeneratorFailoverWithoutGapsCrashedWorkersLoseNothingAndEveryOutcomeIsRecordedOnce() {
    for (int i = 0; i < 3; i++) {
      startNode();
    }
    Waits.until("generation to start", Duration.ofSeconds(30), () -> seq() > 20);
    Waits.until("all three nodes to heartbeat", Duration.ofSeconds(10),
        () -> redis.number("ZCARD", redis.keys.nodes()) == 3);

    // exactly one generator: the lease never changes hands while everyone is healthy, and only
    // one process ever became generator
    String token = leaderToken();
    for (int i = 0; i < 30; i++) {
      assertThat(leaderToken()).isEqualTo(token);
      Waits.pause(50);
    }
    long generators = nodes.values().stream().filter(n -> n.logText().contains("is now the generator")).count();
    assertThat(generators).isEqualTo(1);

    // SIGKILL the generator, three times; a replacement node joins after each kill
    List<Long> takeovers = new ArrayList<>();
    for (int trial = 0; trial < 3; trial++) {
      String oldToken = leaderToken();
      FleetProcess generator = nodes.get(nodeOf(oldToken));
      long killedAt = System.nanoTime();
      generator.kill();
      Waits.until("a new lease holder", Duration.ofSeconds(10),
          () -> leaderToken() != null && !leaderToken().equals(oldToken));
      long seqUnderNewLeader = seq();
      Waits.until("a message from the new generator", Duration.ofSeconds(10), () -> seq() > seqUnderNewLeader);
      long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;
      takeovers.add(takeoverMs);
      assertThat(takeoverMs).as("takeover after SIGKILL of the generator").isLessThan(LEASE_MS + 1000);
      assertThat(Long.parseLong(leaderToken().substring(leaderToken().lastIndexOf(':') + 1)))
          .isEqualTo(trial + 2);
      startNode();
    }
    System.out.println("FIGURE takeover after generator SIGKILL (ms): " + takeovers);

    // SIGKILL a worker while it holds messages: they go back to the queue and others finish them
    Waits.until("killed nodes forgotten", Duration.ofSeconds(15),
        () -> redis.number("ZCARD", redis.keys.nodes()) == 3);
    long requeuedBefore = redis.stat("requeued");
    String generatorNode = nodeOf(leaderToken());
    String[] victim = new String[1];
    Waits.until("a worker holding messages", Duration.ofSeconds(20), () -> {
      for (String id : nodes.keySet()) {
        if (!id.equals(generatorNode) && nodes.get(id).alive() && held(id) >= 5) {
          victim[0] = id;
          return true;
        }
      }
      return false;
    });
    nodes.get(victim[0]).kill();
    Waits.pause(100);
    long heldAtDeath = held(victim[0]);
    assertThat(heldAtDeath).isPositive();
    long reapMs = Waits.until("the dead worker's messages to be requeued", Duration.ofSeconds(10),
        () -> held(victim[0]) == 0);
    assertThat(redis.stat("requeued") - requeuedBefore).isEqualTo(heldAtDeath);
    System.out.println("FIGURE worker SIGKILLed holding " + heldAtDeath + " messages; requeued "
        + (redis.stat("requeued") - requeuedBefore) + " within " + reapMs + " ms of the kill");

    // drain: every message gets an outcome
    Waits.until("all " + LIMIT + " outcomes", Duration.ofSeconds(90),
        () -> redis.stat("processed") == LIMIT);
    assertThat(seq()).isEqualTo(LIMIT);
    assertThat(redis.stat("produced")).isEqualTo(LIMIT);
    assertThat(redis.stat("duplicates")).isZero();
    assertThat(redis.number("LLEN", redis.keys.queue())).isZero();
    BitSet audit = BitSet.valueOf(redis.call("GET", redis.keys.audit()).toBytes());
    // Redis numbers bits from the most significant bit of each byte
    BitSet ids = new BitSet();
    for (int bit = audit.nextSetBit(0); bit >= 0; bit = audit.nextSetBit(bit + 1)) {
      ids.set((bit / 8) * 8 + (7 - bit % 8));
    }
    assertThat(ids.cardinality()).isEqualTo((int) LIMIT);
    assertThat(ids.nextClearBit(1)).as("first id without an outcome").isEqualTo((int) LIMIT + 1);

    // getErrors prints exactly the failed messages, then the list is empty
    long failed = redis.stat("failed");
    assertThat(failed).isPositive();
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(failed);
    FleetProcess.Result errors = FleetProcess.oneShot(List.of("getErrors", "--json", "--redis", server.url()));
    assertThat(errors.exitCode()).isZero();
    Set<Long> printed = new HashSet<>();
    for (String line : errors.lines()) {
      JsonObject entry = new JsonObject(line);
      assertThat(entry.getString("error")).isEqualTo("handler reported an error");
      assertThat(entry.getString("node")).startsWith("node");
      printed.add(entry.getLong("id"));
    }
    assertThat(errors.lines()).hasSize((int) failed);
    assertThat(printed).hasSize((int) failed);
    assertThat(redis.number("LLEN", redis.keys.errors())).isZero();

    // SIGTERM: every node leaves cleanly, the lease is released and nothing stays registered
    for (FleetProcess node : nodes.values()) {
      if (node.alive()) {
        node.terminate(30);
      }
    }
    assertThat(redis.number("ZCARD", redis.keys.nodes())).isZero();
    assertThat(leaderToken()).isNull();
    Response status = redis.call("HGETALL", redis.keys.stats());
    System.out.println("FIGURE final stats: " + status);
  }
}
