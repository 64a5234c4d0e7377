package dev.redfleet.shards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Shards;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
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
    Waits.until(worker.name + " to hold messages", Duration.ofSeconds(30), () -> fleet.redis.holding(shards, worker.name) > 0);
    long heldAtKill = fleet.redis.holding(shards, worker.name);
    worker.kill();
    fleet.startJoined();

    Waits.until(LIMIT + " outcomes (now " + stat("processed") + ")", Duration.ofSeconds(240),
        () -> stat("processed") >= LIMIT);
    // each shard: its part of the limit produced, gap-free, every id recorded once in its own audit
    ShardChecks.eachShardAuditedOnce(fleet.redis, shards, LIMIT);
    assertThat(fleet.redis.number("EXISTS", fleet.redis.keys.queue())).as("the namespace's own queue, unused").isZero();
    long failed = stat("failed");
    assertThat(failed).isPositive();

    // getErrors drains every shard, with fleet-wide ids
    ShardChecks.getErrorsDrainsEveryShard(fleet.redis, shards, fleet.server.url(), LIMIT, failed);

    // status adds the shards up and shows a line per shard
    JsonObject s = ShardChecks.status(shards, fleet.server.url());
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
  /**
   * Under a steady rate every worker verticle's own shard keeps giving it messages, so it never
   * blocks empty: it must still look at the other shards (after a dwell, or an empty claim), or the
   * shards no verticle started on are never served. Two verticles, four shards.
   */
  @Test
  void underASteadyRateVerticlesFewerThanTheShardsServeEveryShard() {
    fleet = new Fleet(List.of("--shards", Integer.toString(SHARDS), "--interval-ms", "0", "--rate", "2000",
        "--workers", "1", "--max-delay-ms", "0", "--block-ms", "500", "--heartbeat-ms", "250"));
    fleet.startJoined();
    fleet.awaitLeader();
    fleet.startJoined();
    fleet.startJoined();
    Waits.until("every shard to record outcomes while generation goes on", Duration.ofSeconds(30), () -> {
      for (Keys shard : shards.all()) {
        if (fleet.redis.stat(shard, "processed") == 0) {
          return false;
        }
      }
      return true;
    });
    // and keeps up: no shard's queue holds more than a second of the whole rate
    Waits.pause(3000);
    for (Keys shard : shards.all()) {
      assertThat(fleet.redis.number("LLEN", shard.queue())).as(shard.dataPrefix() + " queue").isLessThan(2000);
    }
  }
}
