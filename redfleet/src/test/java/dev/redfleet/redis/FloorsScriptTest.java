package dev.redfleet.redis;

import static dev.redfleet.testing.Entries.entry;
import static dev.redfleet.testing.Entries.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.send.Sender;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The floors' scripts against real redis-servers: issue-guard (dataset, server, settle, floor),
 * floors.lua (the marker, the settle, the record of a loss), reserve.lua (the ceiling of ids with
 * replicas), requeue-stranded.lua.
 */
class FloorsScriptTest {

  /** floors.lua as node {@code node}, knowing {@code known}, with the given floors and settle bounds. */
  private static Response floors(TestRedis redis, String node, String known, long seq, long epoch, long minSettle) {
    return redis.run(Script.FLOORS, redis.keys.floors(),
        List.of(node, known, "fresh-" + node + "-" + System.nanoTime(), seq, epoch, minSettle, 3000));
  }

  /** produce.lua guarded as a fleet member calls it: the seq key and the dataset appended, then the known id and floor. */
  private static Response guardedProduce(TestRedis redis, String token, String known, long floor, int count) {
    return guardedProduce(redis, token, known, floor, count, 0);
  }

  /** As above, with {@code ids} to be found under the ceiling (0: none, no replica). */
  private static Response guardedProduce(TestRedis redis, String token, String known, long floor, int count, long ids) {
    List<String> keys = new ArrayList<>(redis.keys.produce());
    keys.addAll(List.of(redis.keys.seq(), redis.keys.dataset()));
    List<Object> args = new ArrayList<>(List.of(token, 1, 0, 1_000_000, "", ""));
    for (int i = 0; i < count; i++) {
      args.add(Sender.tail("b" + i, null, java.util.Map.of()));
    }
    args.addAll(List.of(known, floor, ids));
    return redis.run(Script.PRODUCE, keys, args);
  }

  private static void heartbeat(TestRedis redis, String node) {
    redis.run(Script.HEARTBEAT, List.of(redis.keys.nodes()), List.of(node));
  }

  @Test
  void aGuardedCallNeedsTheDatasetItKnowsAndNeverHandsOutAnIdBelowItsFloor() {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "g")) {
      redis.call("SET", redis.keys.leader(), "n:1", "PX", 60_000);
      assertThatThrownBy(() -> guardedProduce(redis, "n:1", "someone-else's", 0, 1))
          .hasMessageStartingWith("FLOORS dataset");
      assertThat(redis.string("GET", redis.keys.seq())).as("nothing written").isNull();

      Response first = floors(redis, "n1", "", 0, 0, 0);
      String id = first.get(0).toString();
      assertThat(first.get(6).toString()).isEqualTo("new");
      assertThat(first.get(7).toInteger()).as("settled: no other live node, no minimum").isEqualTo(1);

      Response r = guardedProduce(redis, "n:1", id, 100, 3);
      assertThat(r.get(1).toLong()).as("ids above the caller's floor").isEqualTo(103);
      assertThat(json(redis.string("RPOP", redis.keys.queue())).getLong("id")).isEqualTo(101);
      // an unguarded call (tools, tests) is not checked
      assertThat(redis.run(Script.PRODUCE, redis.keys.produce(), List.of("n:1", 1, 0, 1_000_000, "", "", Sender.tail("x", null, java.util.Map.of()))).get(1).toLong())
          .isEqualTo(104);
    }
  }

  @Test
  void aDatasetThatIsGoneIsRecreatedAboveTheCallersFloorsAndTheLossIsRecorded() {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "g")) {
      String id = floors(redis, "n1", "", 0, 0, 0).get(0).toString();
      redis.call("SET", redis.keys.seq(), "40");
      redis.call("SET", redis.keys.epoch(), "3");
      redis.call("FLUSHALL");

      Response lost = floors(redis, "n1", id, 40, 3, 0);
      assertThat(lost.get(0).toString()).as("a new marker").isNotEqualTo(id);
      assertThat(lost.get(6).toString()).isEqualTo("lost");
      assertThat(lost.get(2).toLong()).isEqualTo(40);
      assertThat(lost.get(3).toLong()).isEqualTo(3);
      assertThat(redis.number("GET", redis.keys.seq())).isEqualTo(40);
      assertThat(redis.stat("data_lost")).isEqualTo(1);
      assertThat(redis.stat("ids_skipped")).isEqualTo(40);
      assertThat(redis.string("HGET", redis.keys.dataset(), "change")).isEqualTo("lost");
      assertThat(redis.number("HGET", redis.keys.dataset(), "raised_seq")).isEqualTo(40);

      // another node that knew the old marker sees it replaced, and adds what it knows
      Response replaced = floors(redis, "n2", id, 55, 2, 0);
      assertThat(replaced.get(6).toString()).isEqualTo("replaced");
      assertThat(replaced.get(2).toLong()).isEqualTo(55);
      assertThat(replaced.get(3).toLong()).isEqualTo(3);
      assertThat(redis.number("HGET", redis.keys.dataset(), "raised_seq")).isEqualTo(55);
    }
  }

  @Test
  void anotherServerSettlesOnlyOnceEveryLiveNodeHasRaisedItsFloorsThere() {
    try (RedisServer server = RedisServer.start("--appendonly", "yes", "--appendfsync", "always")) {
      String id;
      try (TestRedis redis = new TestRedis(server.url(), "g")) {
        id = floors(redis, "n1", "", 0, 0, 0).get(0).toString();
        floors(redis, "n2", id, 0, 0, 0);
        redis.call("SET", redis.keys.leader(), "n1:1", "PX", 600_000);
        assertThat(guardedProduce(redis, "n1:1", id, 0, 10).get(1).toLong()).isEqualTo(10);
      }
      server.kill();
      server.restart();
      try (TestRedis redis = TestRedis.afterLoading(server.url(), "g")) {
        heartbeat(redis, "n1");
        heartbeat(redis, "n2");
        // the same data (append-only file), another server process
        assertThatThrownBy(() -> guardedProduce(redis, "n1:1", id, 10, 1)).hasMessageStartingWith("FLOORS server");

        Response n1 = floors(redis, "n1", id, 10, 1, 0);
        assertThat(n1.get(6).toString()).isEqualTo("server");
        assertThat(n1.get(7).toInteger()).as("n2 is alive and has not raised its floors here").isZero();
        assertThatThrownBy(() -> guardedProduce(redis, "n1:1", id, 10, 1)).hasMessageStartingWith("FLOORS settling");

        // n2 had seen id 25 (say it claimed messages the restarted server lost)
        Response n2 = floors(redis, "n2", id, 25, 1, 0);
        assertThat(n2.get(7).toInteger()).as("every live node has raised its floors").isEqualTo(1);
        assertThat(guardedProduce(redis, "n1:1", id, 10, 1).get(1).toLong()).as("above what n2 saw").isEqualTo(26);
        assertThat(redis.stat("master_changes")).isEqualTo(1);
      }
    }
  }

  @Test
  void theSettleLastsAtLeastItsMinimumAndAtMostStaleMs() {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "g")) {
      heartbeat(redis, "silent");
      Response first = floors(redis, "n1", "", 0, 0, 400);
      assertThat(first.get(7).toInteger()).as("within the minimum").isZero();
      Waits.pause(450);
      assertThat(floors(redis, "n1", first.get(0).toString(), 0, 0, 400).get(7).toInteger())
          .as("a live node has not raised its floors").isZero();
      redis.run(Script.FLOORS, redis.keys.floors(), List.of("n1", first.get(0).toString(), "x", 0, 0, 400, 600));
      Waits.pause(200);
      assertThat(redis.run(Script.FLOORS, redis.keys.floors(), List.of("n1", first.get(0).toString(), "x", 0, 0, 400, 600))
          .get(7).toInteger()).as("after maxSettle the silent node is not waited for").isEqualTo(1);
    }
  }

  @Test
  void withReplicasIdsAreHandedOutOnlyUnderTheCeilingAndANewServerContinuesAboveIt() {
    try (RedisServer server = RedisServer.start("--appendonly", "yes", "--appendfsync", "always")) {
      String id;
      try (TestRedis redis = new TestRedis(server.url(), "g")) {
        id = floors(redis, "n1", "", 0, 0, 0).get(0).toString();
        redis.call("SET", redis.keys.leader(), "n1:1", "PX", 600_000);
        assertThatThrownBy(() -> guardedProduce(redis, "n1:1", id, 0, 3, 3)).as("no ceiling yet")
            .hasMessageStartingWith("FLOORS reserve");
        assertThat(redis.string("GET", redis.keys.seq())).as("nothing handed out").isNull();

        assertThat(reserve(redis, 64)).isEqualTo(64);
        assertThat(reserve(redis, 64)).as("calls made at once ask for the same ceiling").isEqualTo(64);
        assertThat(guardedProduce(redis, "n1:1", id, 0, 3, 3).get(1).toLong()).isEqualTo(3);
        assertThat(reserve(redis, 64)).as("seq + block").isEqualTo(67);
        for (int i = 0; i < 20; i++) {
          guardedProduce(redis, "n1:1", id, 0, 3, 3);
        }
        assertThat(redis.number("GET", redis.keys.seq())).isEqualTo(63);
        assertThatThrownBy(() -> guardedProduce(redis, "n1:1", id, 0, 5, 5)).hasMessageStartingWith("FLOORS reserve");
        // the same call without a ceiling (no replica) goes on
        assertThat(guardedProduce(redis, "n1:1", id, 0, 5, 0).get(1).toLong()).isEqualTo(68);
      }
      // another server process on the same data: what the old one may have handed out ends at the
      // ceiling (67 here; the test handed out one batch above it without one)
      server.kill();
      server.restart();
      try (TestRedis redis = TestRedis.afterLoading(server.url(), "g")) {
        redis.call("HSET", redis.keys.dataset(), "ceiling", "90");
        Response r = floors(redis, "n1", id, 0, 0, 0);
        assertThat(r.get(6).toString()).isEqualTo("server");
        assertThat(r.get(2).toLong()).as("seq up to the ceiling").isEqualTo(90);
        assertThat(redis.stat("ids_skipped")).isEqualTo(22);
      }
    }
  }

  private static long reserve(TestRedis redis, long block) {
    return redis.run(Script.RESERVE, redis.keys.reserve(), List.of(block)).toLong();
  }

  @Test
  void requeueStrandedGivesBackOnlyWhatTheNodeNoLongerHolds() {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "g")) {
      List<String> messages = new java.util.ArrayList<>();
      for (int id = 1; id <= 3; id++) {
        messages.add(entry(id, 1, 0, 1, "m"));
      }
      redis.holdByHand("n", "s:1", List.of("1", "2", "3"), messages);
      // the node still holds the delivery of message 2 (index 2 of claim s:1)
      long moved = redis.run(Script.REQUEUE_STRANDED, redis.keys.requeueStranded("n"), List.of("s:1|2")).toLong();
      assertThat(moved).isEqualTo(2);
      assertThat(redis.held("n")).isEqualTo(1);
      assertThat(redis.claimSlots("n", "s:1")).as("1 and 3 given back: held 1 of 3, ids 1 and 3 marked done")
          .containsExactly(1, 3, 0, 2, 0);
      assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(2);
      assertThat(redis.string("RPOP", redis.keys.queue())).as("the oldest is taken next").isEqualTo(entry(1, 1, 0, 1, "m"));
      assertThat(redis.string("RPOP", redis.keys.queue())).isEqualTo(entry(3, 1, 0, 1, "m"));
      assertThat(redis.stat("requeued")).isEqualTo(2);
      assertThat(redis.stat("stranded")).isEqualTo(2);
      assertThat(redis.run(Script.REQUEUE_STRANDED, redis.keys.requeueStranded("n"), List.of("s:1|2")).toLong()).isZero();

      // given back, a delivery is done: a late finish of it is dropped, the held one still counts
      List<Object> finish = new java.util.ArrayList<>(List.of("n", 1, 1000, 60_000, 7, "s:1", "1", "1", "", "s:1", "2", "1", ""));
      redis.call("SET", redis.keys.seq(), 10);
      Response finished = redis.run(Script.FINISH, redis.keys.finish("n"), finish);
      assertThat(finished.get(0).toLong()).as("recorded").isEqualTo(1);
      assertThat(finished.get(1).toLong()).as("dropped").isEqualTo(1);
      assertThat(redis.number("EXISTS", redis.keys.inflight("n"))).as("the record is gone once all are done").isZero();
    }
  }

  @Test
  void theIdAndEpochOfAMessageAreReadFromItsStart() {
    assertThat(Floors.idAndEpoch(Buffer.buffer(entry(42, 7, 1, 1, "x")))).containsExactly(42, 7);
    assertThat(Floors.idAndEpoch(Buffer.buffer("42"))).containsExactly(-1, -1);
    assertThat(Floors.idAndEpoch(Buffer.buffer("garbage"))).containsExactly(-1, -1);
  }
}
