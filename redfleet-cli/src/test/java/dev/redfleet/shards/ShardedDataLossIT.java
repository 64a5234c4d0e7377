package dev.redfleet.shards;

import static dev.redfleet.testing.FailoverAudit.retried;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.PluginJars;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Shards;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.HandledMessages;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded namespace (--shards 3) of three real JVMs loses its whole dataset mid-run
 * ({@code FLUSHALL}): every shard's seq, fence and dataset marker are gone with the namespace's.
 * Each shard hands out its own ids, so each must go on above the highest of its ids a surviving node
 * saw, and no generator may write under an epoch seen before: each shard has its own floors,
 * checked on its own keys. Without them a shard's ids would start again at 1, and a fleet-wide id
 * would name two different messages.
 *
 * <p>Measured with a handler that writes every message it handles to a file (fleet-wide id, epoch,
 * produce time, body).
 */
class ShardedDataLossIT {
  private static final int SHARDS = 3;
  private static final long LIMIT = 4000;
  private static final Pattern LOUD = Pattern.compile("Redis lost data");

  @TempDir
  Path dir;

  private final Shards shards = new Shards(new Keys("redfleet"), SHARDS);

  @Test
  void flushAllMidRunReusesNoIdInAnyShardAndNoEpoch() throws Exception {
    Path handled = dir.resolve("handled.tsv");
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(PluginJars.messageLog(dir.resolve("build"), handled), plugins.resolve("message-log.jar"));
    try (Fleet fleet = new Fleet(List.of("--shards", Integer.toString(SHARDS), "--interval-ms", "2", "--limit",
        Long.toString(LIMIT), "--workers", "3", "--concurrency", "50", "--plugins", plugins.toString(), "--handler",
        "com.acme.MessageLog", "--heartbeat-ms", "250", "--stale-ms", "3000"))) {
      List<FleetProcess> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        nodes.add(fleet.startJoined());
      }
      for (FleetProcess node : nodes) {
        Waits.until(node.name + " to say its role", Duration.ofSeconds(60),
            () -> node.logText().contains("is a worker") || node.logText().contains("is the generator"));
      }
      Waits.until("a third of the run", Duration.ofSeconds(60), () -> seqs(fleet.redis) > LIMIT / 3);

      long[] seqBefore = new long[SHARDS];
      for (int s = 0; s < SHARDS; s++) {
        seqBefore[s] = fleet.redis.number("GET", shards.shard(s).seq());
      }
      long epochBefore = fleet.redis.number("GET", fleet.redis.keys.epoch());
      fleet.redis.call("FLUSHALL");
      long lostAt = retried(() -> redisTimeMs(fleet.redis));

      Waits.until("the run to end", Duration.ofSeconds(90), () -> settled(fleet));
      HandledMessages h = HandledMessages.read(handled);
      long[] lowestAfter = new long[SHARDS];
      for (int s = 0; s < SHARDS; s++) {
        lowestAfter[s] = lowestLocalIdAfter(h, s, lostAt + 1);
      }
      long staleEpochs = h.epochsNotAbove(epochBefore, lostAt + 1);
      System.out.printf("FIGURE sharded-data-loss shards=%d seq_before=%s continued_from=%s epoch_before=%d "
              + "lowest_epoch_after=%d %s messages_with_an_old_epoch=%d%n", SHARDS, java.util.Arrays.toString(seqBefore),
          java.util.Arrays.toString(lowestAfter), epochBefore, h.lowestEpochAfter(lostAt + 1), h.summary(LIMIT), staleEpochs);

      assertThat(h.reusedIds()).as("fleet-wide ids carried by two different messages").isEmpty();
      assertThat(staleEpochs).as("messages produced after the loss under an epoch seen before it").isZero();
      for (int s = 0; s < SHARDS; s++) {
        assertThat(lowestAfter[s]).as("shard " + s + "'s first id after the loss").isGreaterThan(seqBefore[s]);
      }
      for (FleetProcess node : nodes) {
        // the namespace's dataset and each shard's: once each
        assertThat(LOUD.matcher(node.logText()).results().count()).as(node.name + " says once per dataset that Redis lost data")
            .isEqualTo(SHARDS + 1);
      }
    }
  }

  /** The lowest id in shard {@code s} of a message produced after {@code atMs}; 0 if none. */
  private long lowestLocalIdAfter(HandledMessages h, int s, long atMs) {
    return h.lines().stream().filter(l -> l.producedAt() > atMs && shards.shardOf(l.id()) == s)
        .mapToLong(l -> shards.localId(l.id())).min().orElse(0);
  }

  private long seqs(TestRedis redis) {
    long sum = 0;
    for (Keys shard : shards.all()) {
      sum += redis.number("GET", shard.seq());
    }
    return sum;
  }

  /** Every shard produced its part of the limit, its queue is empty and no node holds a message there. */
  private boolean settled(Fleet fleet) {
    TestRedis redis = fleet.redis;
    try {
      for (int s = 0; s < SHARDS; s++) {
        Keys shard = shards.shard(s);
        if (redis.number("GET", shard.seq()) < shards.shardLimit(s, LIMIT) || redis.number("LLEN", shard.queue()) > 0) {
          return false;
        }
        for (String node : fleet.nodes().keySet()) {
          String held = redis.string("HGET", shard.inflight(node), "|held");
          if ((held != null && Long.parseLong(held) > 0) || redis.number("LLEN", shard.landing(node)) > 0) {
            return false;
          }
        }
      }
      return true;
    } catch (Throwable notYet) {
      return false;
    }
  }

  private static long redisTimeMs(TestRedis redis) {
    var t = redis.call("TIME");
    return t.get(0).toLong() * 1000 + t.get(1).toLong() / 1000;
  }
}
