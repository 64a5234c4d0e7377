package dev.redfleet.shards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Shards;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.FleetProcess;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** What the sharded fleet tests check the same way after a run: getErrors and status across shards. */
final class ShardChecks {
  private ShardChecks() {}

  /**
   * Each shard handed out its part of {@code limit}, gap-free, every id recorded once in its own
   * audit, its queue empty; the shards' ids tile 1..{@code limit} fleet-wide.
   */
  static void eachShardAuditedOnce(TestRedis redis, Shards shards, long limit) {
    Set<Long> globalIds = new HashSet<>();
    for (int s = 0; s < shards.count(); s++) {
      dev.redfleet.redis.Keys shard = shards.shard(s);
      long part = shards.shardLimit(s, limit);
      assertThat(redis.number("GET", shard.seq())).as("shard " + s + " seq").isEqualTo(part);
      assertThat(redis.stat(shard, "duplicates")).as("shard " + s + " duplicates").isZero();
      assertThat(redis.stat(shard, "processed")).as("shard " + s + " outcomes").isEqualTo(part);
      java.util.BitSet ids = redis.auditedIds(shard);
      assertThat(ids.cardinality()).as("shard " + s + " ids with an outcome").isEqualTo((int) part);
      assertThat(ids.nextClearBit(1)).as("shard " + s + " first id without an outcome").isEqualTo((int) part + 1);
      assertThat(redis.number("LLEN", shard.queue())).as("shard " + s + " queue").isZero();
      for (long local = 1; local <= part; local++) {
        globalIds.add(shards.globalId(s, local));
      }
    }
    assertThat(globalIds).hasSize((int) limit).allMatch(id -> id >= 1 && id <= limit);
  }

  /**
   * {@code getErrors --json} drains every shard: {@code failed} entries, each with a fleet-wide id
   * in 1..{@code limit} once, every shard among them, every shard's errors list empty afterwards.
   */
  static void getErrorsDrainsEveryShard(TestRedis redis, Shards shards, String url, long limit, long failed) {
    int count = shards.count();
    FleetProcess.Result drained = FleetProcess.oneShot(List.of("getErrors", "--json", "--shards", Integer.toString(count),
        "--redis", url));
    assertThat(drained.exitCode()).as(drained.stderr()).isZero();
    List<JsonObject> errors = drained.lines().stream().map(JsonObject::new).toList();
    assertThat(errors).hasSize((int) failed);
    Set<Long> errorIds = new HashSet<>();
    int[] perShard = new int[count];
    for (JsonObject e : errors) {
      long id = e.getLong("id");
      assertThat(id).isBetween(1L, limit);
      assertThat(errorIds.add(id)).as("error id " + id + " once").isTrue();
      perShard[shards.shardOf(id)]++;
    }
    for (int s = 0; s < count; s++) {
      assertThat(perShard[s]).as("errors of shard " + s).isPositive();
      assertThat(redis.number("LLEN", shards.shard(s).errors())).as("shard " + s + " errors left").isZero();
    }
  }

  /** {@code status --json} of the sharded namespace: its last line, after checking the exit code. */
  static JsonObject status(Shards shards, String url) {
    FleetProcess.Result status = FleetProcess.oneShot(List.of("status", "--json", "--shards", Integer.toString(shards.count()),
        "--redis", url));
    assertThat(status.exitCode()).as(status.stderr()).isZero();
    return new JsonObject(status.lines().get(status.lines().size() - 1));
  }
}
