package dev.redfleet.shards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.Keys;
import dev.redfleet.redis.RedisConnectionOptions;
import dev.redfleet.redis.Shards;
import dev.redfleet.testing.ClusterRedis;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A sharded namespace (--shards 6) run by real JVMs of the fat jar on a real 3-master Redis
 * Cluster, the shards two per master. 300,000 messages; midway the generator and a worker that
 * holds messages are SIGKILLed and one shard's slot is migrated to another master while the run
 * goes on. Then every shard's audit has each of its ids once, getErrors drains every shard with
 * fleet-wide ids, and status adds the shards up to the limit with nothing unaccounted. And a
 * SIGSTOPped generator, thawed after the new one raised the shards' fences (each fence on its
 * shard's master), writes nothing to any shard after the new epoch did.
 */
class ShardedClusterFleetIT {
  private static final int SHARDS = 6;
  private static final long LIMIT = 300_000;

  private final Shards shards = new Shards(new Keys("redfleet"), SHARDS);

  private static long seqs(Fleet fleet, Shards shards) {
    long sum = 0;
    for (Keys shard : shards.all()) {
      sum += fleet.redis.number("GET", shard.seq());
    }
    return sum;
  }

  private static long stat(Fleet fleet, Shards shards, String field) {
    long sum = 0;
    for (Keys shard : shards.all()) {
      sum += fleet.redis.stat(shard, field);
    }
    return sum;
  }


  /** ASK, TRYAGAIN and MOVED errors {@code server} has answered (INFO errorstats). */
  private static long redirects(RedisServer server) {
    long sum = 0;
    try (TestRedis r = new TestRedis(server.url(), "x")) {
      for (String line : r.string("INFO", "errorstats").split("\r?\n")) {
        if (line.startsWith("errorstat_ASK:") || line.startsWith("errorstat_TRYAGAIN:") || line.startsWith("errorstat_MOVED:")) {
          sum += Long.parseLong(line.replaceAll(".*count=(\\d+).*", "$1"));
        }
      }
    }
    return sum;
  }

  /** ASKING commands {@code server} has run (INFO commandstats): redirections a client followed there. */
  private static long asking(RedisServer server) {
    try (TestRedis r = new TestRedis(server.url(), "x")) {
      for (String line : r.string("INFO", "commandstats").split("\r?\n")) {
        if (line.startsWith("cmdstat_asking:")) {
          return Long.parseLong(line.replaceAll(".*[:,]calls=(\\d+),.*", "$1"));
        }
      }
    }
    return 0;
  }

  private static Fleet clusterFleet(ClusterRedis cluster, List<String> options) {
    return new Fleet(null, new TestRedis(RedisConnectionOptions.parse(cluster.url()), "redfleet"), cluster.url(), options);
  }

  @Test
  void sixShardsOnAThreeMasterClusterSurviveAGeneratorKillAWorkerKillAndASlotMigrationWithACleanAuditPerShard() {
    long started = System.nanoTime();
    try (ClusterRedis cluster = new ClusterRedis();
         Fleet fleet = clusterFleet(cluster, List.of("--shards", Integer.toString(SHARDS), "--interval-ms", "0",
             "--batch-size", "500", "--limit", Long.toString(LIMIT), "--queue-cap", "12000",
             "--workers", "2", "--concurrency", "200", "--max-delay-ms", "2",
             "--lease-ms", "2000", "--renew-ms", "500", "--retry-ms", "250", "--heartbeat-ms", "250",
             "--stale-ms", "1500", "--block-ms", "500", "--drain-ms", "3000"))) {
      FleetProcess first = fleet.startJoined();
      String firstToken = fleet.awaitLeader();
      assertThat(Fleet.nodeOf(firstToken)).isEqualTo(first.name);
      for (int i = 0; i < 3; i++) {
        fleet.start();
      }
      long clusterReadyS = (System.nanoTime() - started) / 1_000_000_000;
      Waits.until("a third of the messages (now " + seqs(fleet, shards) + ")", Duration.ofSeconds(90),
          () -> seqs(fleet, shards) > LIMIT / 3);
      long firstThirdAt = System.nanoTime();

      // 1. SIGKILL the generator; takeover = until a shard's seq moves under the new lease
      long killedAt = System.nanoTime();
      first.kill();
      String newToken = fleet.awaitNewLeader(firstToken, Duration.ofSeconds(10));
      long seqAtTakeover = seqs(fleet, shards);
      assertThat(seqAtTakeover).as("the run is midway when the generator dies").isLessThan(LIMIT);
      Waits.until("the new generator's first message", Duration.ofSeconds(10), () -> seqs(fleet, shards) > seqAtTakeover);
      long takeoverMs = (System.nanoTime() - killedAt) / 1_000_000;

      // 2. SIGKILL a worker that holds messages (not the new generator)
      String generatorNode = Fleet.nodeOf(newToken);
      FleetProcess worker = fleet.nodes().values().stream()
          .filter(n -> n.alive() && !n.name.equals(generatorNode)).findFirst().orElseThrow();
      Waits.until(worker.name + " to hold messages", Duration.ofSeconds(30), () -> fleet.redis.holding(shards, worker.name) > 0);
      int migrated = 0;
      long mostHeld = -1;
      long heldAtKill = 0;
      for (int s = 0; s < SHARDS; s++) {
        long h = fleet.redis.holding(shards.shard(s), worker.name);
        heldAtKill += h;
        if (h > mostHeld) {
          mostHeld = h;
          migrated = s;
        }
      }
      worker.kill();
      long seqAtWorkerKill = seqs(fleet, shards);

      // 3. migrate the slot of the shard the dead worker held most of to another master, while
      // the generator produces there and the survivors requeue the dead worker's messages
      Keys moving = shards.shard(migrated);
      RedisServer home = cluster.masterOf(moving.seq());
      RedisServer target = cluster.masters.stream().filter(m -> m != home).findFirst().orElseThrow();
      long redirectsBefore = redirects(home);
      long askingBefore = asking(target);
      long migrationStarted = System.nanoTime();
      // one key per MIGRATE, 100 ms apart: the slot stays half moved for about a second a key
      long keysMoved = cluster.migrateSlotOf(moving.seq(), target, 1, 100);
      long migrationMs = (System.nanoTime() - migrationStarted) / 1_000_000;
      long seqAtMigrated = seqs(fleet, shards);
      // the fleet met the half-moved slot: its old master answered ASK or TRYAGAIN, and the fleet
      // followed to the new one (ASKING there), rather than the slot moving while nobody looked
      long redirectsMet = redirects(home) - redirectsBefore;
      long askingSent = asking(target) - askingBefore;
      assertThat(redirectsMet).as("ASK/TRYAGAIN answers of the old master during the migration").isPositive();
      assertThat(cluster.masterOf(moving.seq())).isSameAs(target);
      assertThat(keysMoved).isPositive();
      fleet.start();

      Waits.until(LIMIT + " outcomes (now " + stat(fleet, shards, "processed") + ")", Duration.ofSeconds(150),
          () -> stat(fleet, shards, "processed") >= LIMIT);
      long runMs = (System.nanoTime() - firstThirdAt) / 1_000_000;

      // each shard: its part of the limit produced, gap-free, every id recorded once in its own audit
      ShardChecks.eachShardAuditedOnce(fleet.redis, shards, LIMIT);
      for (int s = 0; s < SHARDS; s++) {
        Keys shard = shards.shard(s);
        assertThat(fleet.redis.number("ZCARD", shard.delayed())).as("shard " + s + " delayed").isZero();
        for (FleetProcess dead : List.of(first, worker)) {
          assertThat(fleet.redis.holding(shard, dead.name)).as("shard " + s + ": what SIGKILLed " + dead.name + " still holds").isZero();
        }
      }
      // the migrated slot lives on the target only: nothing of it left behind on its old master
      try (TestRedis old = new TestRedis(home.url(), "redfleet")) {
        assertThat(old.number("CLUSTER", "COUNTKEYSINSLOT", cluster.slotOf(moving.seq())))
            .as("keys of the migrated slot left on its old master").isZero();
      }
      long failed = stat(fleet, shards, "failed");
      assertThat(failed).isPositive();
      long requeued = stat(fleet, shards, "requeued");

      // getErrors drains every shard, with fleet-wide ids, each once
      ShardChecks.getErrorsDrainsEveryShard(fleet.redis, shards, cluster.url(), LIMIT, failed);

      // status adds the shards up: the limit handed out, each id accounted for
      JsonObject st = ShardChecks.status(shards, cluster.url());
      assertThat(st.getLong("lastId")).isEqualTo(LIMIT);
      assertThat(st.getJsonObject("audit").getLong("audited")).isEqualTo(LIMIT);
      assertThat(st.getJsonObject("audit").getLong("unaccounted")).isZero();
      assertThat(st.getJsonArray("shards")).hasSize(SHARDS);

      for (FleetProcess node : fleet.nodes().values()) {
        if (node.alive()) {
          // the migration stays below the roles: a call refused with MOVED/ASK/TRYAGAIN is repeated
          assertThat(node.logText()).as(node.name + " log").doesNotContain("MOVED").doesNotContain("TRYAGAIN")
              .doesNotContain("ASK ").doesNotContain("CROSSSLOT");
          assertThat(node.terminate(30)).as(node.name + " exit").isEqualTo(143);
        }
      }
      System.out.printf("FIGURE sharded-cluster-run shards=%d masters=3 messages=%d generator_takeover_ms=%d "
              + "worker_killed_holding=%d migrated_shard=%d keys_moved=%d migration_ms=%d redirects_met=%d asking_followed=%d "
              + "seq_at_kills=%d/%d/%d "
              + "failed=%d requeued=%d fleet_up_s=%d run_after_first_third_ms=%d total_s=%.1f%n",
          SHARDS, LIMIT, takeoverMs, heldAtKill, migrated, keysMoved, migrationMs, redirectsMet, askingSent, seqAtTakeover, seqAtWorkerKill,
          seqAtMigrated, failed, requeued, clusterReadyS, runMs, (System.nanoTime() - started) / 1e9);
    }
  }
  @Test
  void aFrozenGeneratorOnTheClusterIsRefusedOnEveryShardOnceTheNewOneRaisedTheFences() {
    long leaseMs = 2000;
    try (ClusterRedis cluster = new ClusterRedis();
         // every message fails, so each shard's errors list records each message's id and epoch
         // back to back (interval 0): produce calls are in flight when the generator freezes, and its
         // pipeline sends the next ones as soon as it thaws, before its own deadline check may run
         Fleet fleet = clusterFleet(cluster, List.of("--shards", Integer.toString(SHARDS), "--interval-ms", "0",
             "--batch-size", "20", "--queue-cap", "3000", "--error-rate", "1", "--max-delay-ms", "20",
             "--lease-ms", Long.toString(leaseMs), "--workers", "2", "--block-ms", "500"))) {
      for (int i = 0; i < 3; i++) {
        fleet.startJoined();
      }
      String oldToken = fleet.awaitLeader();
      Waits.until("generation on every shard", Duration.ofSeconds(30), () -> {
        for (Keys shard : shards.all()) {
          if (fleet.redis.number("GET", shard.seq()) < 5) {
            return false;
          }
        }
        return true;
      });
      FleetProcess old = fleet.node(Fleet.nodeOf(oldToken));
      old.signal("STOP");
      String newToken = fleet.awaitNewLeader(oldToken, Duration.ofSeconds(15));
      long oldEpoch = Fleet.epochOf(oldToken);
      long newEpoch = Fleet.epochOf(newToken);
      Waits.until("every fence raised to the new epoch", Duration.ofSeconds(10), () -> {
        for (Keys shard : shards.all()) {
          if (!Long.toString(newEpoch).equals(fleet.redis.string("GET", shard.fence()))) {
            return false;
          }
        }
        return true;
      });
      Waits.pause(2 * leaseMs);
      old.signal("CONT");
      // refused by a shard's fence, or stepped down by its own deadline first: either way it wrote nothing below
      Waits.until("the thawed node to step down", Duration.ofSeconds(15),
          () -> old.logText().contains("produce refused")
              || old.logText().contains("generation stopped (epoch " + oldEpoch + ")"));
      Waits.pause(1000);
      assertThat(fleet.leaderToken()).isEqualTo(newToken);

      // stop generating, let the workers finish, then read each shard's record
      for (FleetProcess node : fleet.nodes().values()) {
        node.terminate(30);
      }
      long produced = seqs(fleet, shards);
      fleet.start("--source", "none");
      Waits.until(produced + " outcomes", Duration.ofSeconds(60), () -> stat(fleet, shards, "processed") >= produced);
      long staleAfterNew = 0;
      long total = 0;
      for (int s = 0; s < SHARDS; s++) {
        Keys shard = shards.shard(s);
        List<JsonObject> record = fleet.redis.call("LRANGE", shard.errors(), 0, -1).stream()
            .map(r -> new JsonObject(r.toString())).toList();
        total += record.size();
        long firstOfNew = record.stream().filter(e -> e.getLong("epoch") > oldEpoch).mapToLong(e -> e.getLong("id"))
            .min().orElse(Long.MAX_VALUE);
        staleAfterNew += record.stream().filter(e -> e.getLong("epoch") == oldEpoch && e.getLong("id") > firstOfNew).count();
        assertThat(fleet.redis.auditedIds(shard).cardinality()).isEqualTo((int) fleet.redis.number("GET", shard.seq()));
        assertThat(fleet.redis.stat(shard, "duplicates")).isZero();
      }
      assertThat(total).isEqualTo(produced);
      assertThat(staleAfterNew).as("stale-epoch messages written to a shard after the new epoch wrote there").isZero();
      // whether the thawed generator's own produce calls reached Redis before its deadline stopped it
      // (then the fences refused them) depends on the order its event loops ran in after SIGCONT
      boolean refused = old.logText().contains("produce refused");
      System.out.printf("FIGURE sharded-cluster-fencing shards=%d masters=3 old_epoch=%d new_epoch=%d produced=%d "
          + "stale_after_new=%d thawed_generator_refused_by_fence=%s%n", SHARDS, oldEpoch, newEpoch, produced,
          staleAfterNew, refused);
    }
  }
}
