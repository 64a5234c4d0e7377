package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.RedisTestBase;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shards' layout: tags, slots, key names, fleet-wide ids and each shard's part of the limit. */
class ShardsTest extends RedisTestBase {

  @Test
  void oneShardIsTheNamespaceItselfWithTodaysKeyNames() {
    Keys fleet = new Keys("ns");
    Shards one = new Shards(fleet, 1);
    assertThat(one.shard(0)).isSameAs(fleet);
    assertThat(fleet.queue()).isEqualTo("{ns}:queue");
    assertThat(fleet.seq()).isEqualTo("{ns}:seq");
    assertThat(fleet.inflight("n1")).isEqualTo("{ns}:inflight:n1");
    assertThat(fleet.errors()).isEqualTo("{ns}:errors");
    assertThat(fleet.left()).isEqualTo("{ns}:left");
    assertThat(fleet.auditCounts()).isEqualTo("{ns}:audit:counts");
    assertThat(fleet.produce()).containsExactly("{ns}:leader", "{ns}:seq", "{ns}:queue", "{ns}:stats",
        "{ns}:source:cursor", "{ns}:paused");
    for (long id = 1; id < 100; id++) {
      assertThat(one.globalId(0, id)).isEqualTo(id);
      assertThat(one.localId(id)).isEqualTo(id);
      assertThat(one.shardOf(id)).isZero();
    }
    assertThat(one.shardLimit(0, 7)).isEqualTo(7);
  }

  @Test
  void eachShardHasItsOwnTagForItsDataAndTheNamespacesForFleetWideKeys() {
    Shards shards = new Shards(new Keys("ns"), 4);
    Set<String> prefixes = new HashSet<>();
    for (int s = 0; s < 4; s++) {
      Keys k = shards.shard(s);
      String tag = k.dataPrefix();
      assertThat(tag).startsWith("{ns/" + s + ".").endsWith("}:");
      prefixes.add(tag);
      for (String data : List.of(k.queue(), k.seq(), k.delayed(), k.delayedIds(), k.inflight("n"), k.landing("n"),
          k.errors(), k.stats(), k.audit(), k.auditCounts(), k.fence(), k.left(), k.dedup("x"), k.sourceCursor(),
          k.dataset(), k.floored())) {
        assertThat(data).startsWith(tag);
      }
      for (String fleetWide : List.of(k.leader(), k.epoch(), k.nodes(), k.anchors(), k.format(), k.paused(),
          k.handlers())) {
        assertThat(fleetWide).startsWith("{ns}:");
      }
    }
    assertThat(prefixes).hasSize(4);
  }

  @Test
  void shardTagsFallInEqualSlicesOfTheSlotsAsRedisComputesThem() throws Exception {
    // the Cluster specification's test vector
    assertThat(Keys.slot("123456789")).isEqualTo(0x31C3 & 16383);
    java.nio.file.Path conf = java.nio.file.Files.createTempDirectory("redfleet-keyslot").resolve("nodes.conf");
    try (dev.redfleet.testing.RedisServer clustered = dev.redfleet.testing.RedisServer.startOn(
            dev.redfleet.testing.RedisServer.freePort(), "--cluster-enabled", "yes", "--cluster-config-file", conf.toString());
         dev.redfleet.testing.TestRedis node = new dev.redfleet.testing.TestRedis(clustered.url(), "x")) {
      for (int n : new int[] {2, 3, 6, 16, 256}) {
        for (int s = 0; s < n; s++) {
          String tag = Keys.shardTag("fleet", s, n);
          // CLUSTER KEYSLOT: Redis' own hash of the key, whose tag is the part in braces
          int slot = (int) node.number("CLUSTER", "KEYSLOT", new Shards(new Keys("fleet"), n).shard(s).queue());
          assertThat(Keys.slot(tag)).isEqualTo(slot);
          assertThat(slot).isBetween(s * 16384 / n, (s + 1) * 16384 / n - 1);
          // deterministic: every process finds the same tags
          assertThat(Keys.shardTag("fleet", s, n)).isEqualTo(tag);
        }
      }
    }
  }

  @Test
  void sixShardsOnThreeEqualMastersAreTwoPerMaster() {
    // redis-cli --cluster create gives 3 masters 0-5460, 5461-10922, 10923-16383
    int[] perMaster = new int[3];
    for (int s = 0; s < 6; s++) {
      int slot = Keys.slot(Keys.shardTag("any-namespace", s, 6));
      perMaster[slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2]++;
    }
    assertThat(perMaster).containsExactly(2, 2, 2);
  }

  @Test
  void fleetWideIdsAreUniqueAndGiveBackTheirShardAndLocalId() {
    Shards shards = new Shards(new Keys("ns"), 6);
    Set<Long> seen = new HashSet<>();
    for (int s = 0; s < 6; s++) {
      for (long local = 1; local <= 1000; local++) {
        long global = shards.globalId(s, local);
        assertThat(seen.add(global)).isTrue();
        assertThat(shards.shardOf(global)).isEqualTo(s);
        assertThat(shards.localId(global)).isEqualTo(local);
      }
    }
    // every id 1..6000 once: the shards' gap-free ids tile the fleet-wide ones
    assertThat(seen).hasSize(6000).allMatch(id -> id >= 1 && id <= 6000);
  }

  @Test
  void theShardsPartsOfALimitAreExactlyTheIdsUpToIt() {
    Shards shards = new Shards(new Keys("ns"), 4);
    for (long limit : new long[] {1, 3, 4, 5, 10, 1001}) {
      long total = 0;
      for (int s = 0; s < 4; s++) {
        long part = shards.shardLimit(s, limit);
        if (part < 0) {
          assertThat(limit).isLessThanOrEqualTo(s);
          continue;
        }
        total += part;
        // the shard's last id is within the limit, the next one is not
        assertThat(shards.globalId(s, part)).isLessThanOrEqualTo(limit);
        assertThat(shards.globalId(s, part + 1)).isGreaterThan(limit);
      }
      assertThat(total).isEqualTo(limit);
    }
    assertThat(shards.shardLimit(2, 0)).isZero();
  }

  @Test
  void aKeysMessagesAlwaysGoToOneShard() {
    Shards shards = new Shards(new Keys("ns"), 6);
    assertThat(shards.shardOfKey("order-42")).isEqualTo(shards.shardOfKey("order-42"))
        .isEqualTo(new Shards(new Keys("other"), 6).shardOfKey("order-42"));
    Set<Integer> used = new HashSet<>();
    for (int i = 0; i < 100; i++) {
      used.add(shards.shardOfKey("key-" + i));
    }
    assertThat(used).hasSize(6);
  }
}
