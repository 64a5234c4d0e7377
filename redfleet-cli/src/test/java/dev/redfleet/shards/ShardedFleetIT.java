package dev.redfleet.shards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Shards;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sharded namespace (--shards 4) run by real JVMs of the fat jar on one redis-server: the
 * generator spreads over the four shards, two worker nodes with one verticle each (fewer than the
 * shards) serve every shard, one is SIGKILLed midway; then every shard's audit has each of its ids
 * once, getErrors drains every shard with fleet-wide ids, and a node or command given another shard
 * count is refused with one line.
 */
class ShardedFleetIT {
  private static final int SHARDS = 4;
  private static final long LIMIT = 20_000;

  private Fleet fleet;

  @AfterEach
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
  }

  private final Shards shards = new Shards(new Keys("redfleet"), SHARDS);

  private long seqs() {
    long sum = 0;
    for (Keys shard : shards.all()) {
      sum += fleet.redis.number("GET", shard.seq());
    }
    return sum;
  }

  private long stat(String field) {
    long sum = 0;
    for (Keys shard : shards.all()) {
      sum += fleet.redis.stat(shard, field);
    }
    return sum;
  }

  private long held(String node) {
    long sum = 0;
    for (Keys shard : shards.all()) {
      String held = fleet.redis.string("HGET", shard.inflight(node), "|held");
      sum += (held == null ? 0 : Long.parseLong(held)) + fleet.redis.number("LLEN", shard.landing(node));
    }
    return sum;
  }

  @Test
  void fourShardsSurviveAWorkerKillEachShardsAuditIsCleanAndGetErrorsDrainsThemAll() {
    long started = System.nanoTime();
    fleet = new Fleet(List.of("--shards", Integer.toString(SHARDS), "--interval-ms", "0", "--batch-size", "200",
        "--limit", Long.toString(LIMIT), "--workers", "1", "--concurrency", "50", "--max-delay-ms", "20",
        "--heartbeat-ms", "250", "--stale-ms", "1500", "--block-ms", "500", "--queue-cap", "4000"));
    FleetProcess generator = fleet.startJoined();
    fleet.awaitLeader();
    FleetProcess worker = fleet.startJoined();
    fleet.startJoined();
    Waits.until("a third of the messages", Duration.ofSeconds(90), () -> seqs() > LIMIT / 3);
    Waits.until(worker.name + " to hold messages", Duration.ofSeconds(30), () -> held(worker.name) > 0);
    long heldAtKill = held(worker.name);
    worker.kill();
    fleet.startJoined();

    Waits.until(LIMIT + " outcomes (now " + stat("processed") + ")", Duration.ofSeconds(240),
        () -> stat("processed") >= LIMIT);
    // each shard: its part of the limit produced, gap-free, every id recorded once in its own audit
    Set<Long> globalIds = new HashSet<>();
    for (int s = 0; s < SHARDS; s++) {
      Keys shard = shards.shard(s);
      long part = shards.shardLimit(s, LIMIT);
      assertThat(fleet.redis.number("GET", shard.seq())).as("shard " + s + " seq").isEqualTo(part);
      assertThat(fleet.redis.stat(shard, "duplicates")).as("shard " + s + " duplicates").isZero();
      assertThat(fleet.redis.stat(shard, "processed")).as("shard " + s + " outcomes").isEqualTo(part);
      BitSet ids = fleet.redis.auditedIds(shard);
      assertThat(ids.cardinality()).as("shard " + s + " ids with an outcome").isEqualTo((int) part);
      assertThat(ids.nextClearBit(1)).as("shard " + s + " first id without an outcome").isEqualTo((int) part + 1);
      assertThat(fleet.redis.number("LLEN", shard.queue())).isZero();
      for (long local = 1; local <= part; local++) {
        globalIds.add(shards.globalId(s, local));
      }
    }
    // the shards' ids tile 1..LIMIT fleet-wide
    assertThat(globalIds).hasSize((int) LIMIT).allMatch(id -> id >= 1 && id <= LIMIT);
    assertThat(fleet.redis.number("EXISTS", fleet.redis.keys.queue())).as("the namespace's own queue, unused").isZero();
    long failed = stat("failed");
    assertThat(failed).isPositive();

    // getErrors drains every shard, with fleet-wide ids
    FleetProcess.Result drained = FleetProcess.oneShot(List.of("getErrors", "--json", "--shards", Integer.toString(SHARDS),
        "--redis", fleet.server.url()));
    assertThat(drained.exitCode()).as(drained.stderr()).isZero();
    List<JsonObject> errors = drained.lines().stream().map(JsonObject::new).toList();
    assertThat(errors).hasSize((int) failed);
    Set<Long> errorIds = new HashSet<>();
    int[] perShard = new int[SHARDS];
    for (JsonObject e : errors) {
      long id = e.getLong("id");
      assertThat(id).isBetween(1L, LIMIT);
      assertThat(errorIds.add(id)).as("error id " + id + " once").isTrue();
      perShard[shards.shardOf(id)]++;
    }
    for (int s = 0; s < SHARDS; s++) {
      assertThat(perShard[s]).as("errors of shard " + s).isPositive();
      assertThat(fleet.redis.number("LLEN", shards.shard(s).errors())).as("shard " + s + " errors left").isZero();
    }

    // status adds the shards up and shows a line per shard
    FleetProcess.Result status = FleetProcess.oneShot(List.of("status", "--json", "--shards", Integer.toString(SHARDS),
        "--redis", fleet.server.url()));
    assertThat(status.exitCode()).as(status.stderr()).isZero();
    JsonObject s = new JsonObject(status.lines().get(status.lines().size() - 1));
    assertThat(s.getLong("lastId")).isEqualTo(LIMIT);
    assertThat(s.getJsonObject("audit").getLong("audited")).isEqualTo(LIMIT);
    assertThat(s.getJsonObject("audit").getLong("unaccounted")).isZero();
    assertThat(s.getJsonArray("shards")).hasSize(SHARDS);

    // another shard count: refused with one line, exit 2, for a node and for a command
    FleetProcess.Result other = FleetProcess.oneShot(List.of("status", "--shards", "2", "--redis", fleet.server.url()));
    other.assertOneLineError(2, "namespace 'redfleet' is laid out in '4' shard(s), this node or command was given --shards 2");
    // REDFLEET_SHARDS, the environment's name of the setting
    FleetProcess wrong = FleetProcess.start("wrong-count", List.of("run", "--redis", fleet.server.url(), "--node-id", "wrong"),
        java.util.Map.of("REDFLEET_SHARDS", "1"));
    Waits.until("the node of another shard count to exit", Duration.ofSeconds(60), () -> !wrong.alive());
    assertThat(wrong.exitValue()).isEqualTo(2);
    assertThat(wrong.logText()).contains("is laid out in '4' shard(s), this node or command was given --shards 1");

    System.out.printf("FIGURE sharded-run shards=%d messages=%d worker_killed_holding=%d failed=%d requeued=%d total_s=%.1f%n",
        SHARDS, LIMIT, heldAtKill, failed, stat("requeued"), (System.nanoTime() - started) / 1e9);
    for (FleetProcess node : fleet.nodes().values()) {
      if (node.alive()) {
        assertThat(node.terminate(30)).isEqualTo(143);
      }
    }
    assertThat(generator.logText()).doesNotContain("Exception");
  }
}
