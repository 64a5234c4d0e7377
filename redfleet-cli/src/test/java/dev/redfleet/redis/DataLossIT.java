package dev.redfleet.redis;

import static dev.redfleet.testing.FailoverAudit.retried;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.PluginJars;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.HandledMessages;
import dev.redfleet.testing.Http;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * Redis loses the whole dataset under a running fleet of three real JVMs: {@code FLUSHALL}, or a
 * SIGKILL and restart of a server without persistence. Ids and epochs must not go backwards while
 * a node survives: every node remembers the highest id and epoch it has seen, notices the empty
 * dataset by its missing marker, and the fleet goes on above what it knew; each node says so once,
 * and {@code status} and {@code /metrics} show the event. The fast liveness path must work again
 * after the loss (the anchors are registered anew): a SIGKILLed worker's messages come back in
 * milliseconds, not after staleMs.
 *
 * <p>Measured with a handler that writes every message it handles to a file (id, epoch, produce
 * time, body): an id carried by two different messages is a reused id; an epoch of a message
 * produced after the loss at or below one seen before it is a reused epoch.
 */
class DataLossIT {
  // the cases run side by side (each on its own server and JVMs): they mostly wait, and their one
  // timing bound (a dead worker's messages back within staleMs / 2) is far above the fast path's
  private static final long LIMIT = 4000;
  private static final long STALE_MS = 3000;
  private static final Pattern LOUD = Pattern.compile("Redis lost data");
  private static final int SHARDS = 3;
  private static final Shards SHARDED = new Shards(new Keys("redfleet"), SHARDS);

  @TempDir
  Path dir;

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void flushAllMidRunReusesNoIdAndNoEpoch() throws Exception {
    lose(true);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aRestartWithoutPersistenceReusesNoIdAndNoEpoch() throws Exception {
    lose(false);
  }

  /**
   * The same loss under a sharded namespace (--shards 3): every shard's seq, fence and dataset
   * marker are gone with the namespace's. Each shard hands out its own ids, so each must go on above
   * the highest of its ids a surviving node saw, and no generator may write under an epoch seen
   * before: each shard has its own floors, checked on its own keys. Without them a shard's ids
   * would start again at 1, and a fleet-wide id would name two different messages.
   */
  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void flushAllMidRunReusesNoIdInAnyShardAndNoEpoch() throws Exception {
    Path handled = dir.resolve("handled.tsv");
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(PluginJars.messageLog(dir.resolve("build"), handled), plugins.resolve("message-log.jar"));
    try (Fleet fleet = new Fleet(List.of("--shards", Integer.toString(SHARDS), "--interval-ms", "2", "--limit",
        Long.toString(LIMIT), "--workers", "3", "--concurrency", "50", "--plugins", plugins.toString(), "--handler",
        "com.acme.MessageLog", "--heartbeat-ms", "250", "--stale-ms", "3000"))) {
      List<FleetProcess> nodes = threeNodesUp(fleet);
      Waits.until("a third of the run", Duration.ofSeconds(60), () -> seqs(fleet.redis) > LIMIT / 3);

      long[] seqBefore = new long[SHARDS];
      for (int s = 0; s < SHARDS; s++) {
        seqBefore[s] = fleet.redis.number("GET", SHARDED.shard(s).seq());
      }
      long epochBefore = fleet.redis.number("GET", fleet.redis.keys.epoch());
      fleet.redis.call("FLUSHALL");
      long lostAt = retried(() -> redisTimeMs(fleet.redis));

      Waits.until("the run to end", Duration.ofSeconds(90), () -> shardsSettled(fleet));
      HandledMessages h = HandledMessages.read(handled);
      long[] lowestAfter = new long[SHARDS];
      for (int s = 0; s < SHARDS; s++) {
        lowestAfter[s] = lowestLocalIdAfter(h, s, lostAt + 1);
      }
      long oldEpochAfter = h.epochsNotAbove(epochBefore, lostAt + 1);
      long fencedOut = olderEpochAfterNewer(h);
      long epochAfter = fleet.redis.number("GET", fleet.redis.keys.epoch());
      System.out.printf("FIGURE sharded-data-loss shards=%d seq_before=%s continued_from=%s epoch_before=%d epoch_after=%d "
              + "%s messages_of_the_old_generator_after_the_loss=%d stale_epoch_after_a_newer_in_its_shard=%d%n", SHARDS,
          java.util.Arrays.toString(seqBefore), java.util.Arrays.toString(lowestAfter), epochBefore, epochAfter,
          h.summary(LIMIT), oldEpochAfter, fencedOut);

      assertThat(h.reusedIds()).as("fleet-wide ids carried by two different messages").isEmpty();
      // an epoch handed out again would let two generators write under one epoch: the new one is above
      assertThat(epochAfter).as("the epoch handed out after the loss").isGreaterThan(epochBefore);
      // the old generator may write on until the new one raised a shard's fence (a shard's fence is a
      // number, not the lease: docs/DESIGN.md, "Shards"), never after: in each shard, in id order, no
      // message carries an older epoch than one before it
      assertThat(fencedOut).as("messages of an older epoch after a newer one in their shard").isZero();
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

  /** Messages whose epoch is below that of a message with a lower id in the same shard. */
  private static long olderEpochAfterNewer(HandledMessages h) {
    java.util.Map<Long, Long> epochById = new java.util.TreeMap<>();
    h.lines().forEach(l -> epochById.put(l.id(), l.epoch()));
    long[] highest = new long[SHARDS];
    long older = 0;
    // fleet-wide ids in order are each shard's ids in order
    for (java.util.Map.Entry<Long, Long> e : epochById.entrySet()) {
      int s = SHARDED.shardOf(e.getKey());
      if (e.getValue() < highest[s]) {
        older++;
      }
      highest[s] = Math.max(highest[s], e.getValue());
    }
    return older;
  }

  /** The lowest id in shard {@code s} of a message produced after {@code atMs}; 0 if none. */
  private static long lowestLocalIdAfter(HandledMessages h, int s, long atMs) {
    return h.lines().stream().filter(l -> l.producedAt() > atMs && SHARDED.shardOf(l.id()) == s)
        .mapToLong(l -> SHARDED.localId(l.id())).min().orElse(0);
  }

  private static long seqs(TestRedis redis) {
    long sum = 0;
    for (Keys shard : SHARDED.all()) {
      sum += redis.number("GET", shard.seq());
    }
    return sum;
  }

  /** Every shard produced its part of the limit, its queue is empty and no node holds a message there. */
  private static boolean shardsSettled(Fleet fleet) {
    TestRedis redis = fleet.redis;
    try {
      for (int s = 0; s < SHARDS; s++) {
        Keys shard = SHARDED.shard(s);
        if (redis.number("GET", shard.seq()) < SHARDED.shardLimit(s, LIMIT) || redis.number("LLEN", shard.queue()) > 0) {
          return false;
        }
        for (String node : fleet.nodes().keySet()) {
          if (redis.holding(shard, node) > 0) {
            return false;
          }
        }
      }
      return true;
    } catch (Throwable notYet) {
      return false;
    }
  }

  private void lose(boolean flushAll) throws Exception {
    Path handled = dir.resolve("handled.tsv");
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(PluginJars.messageLog(dir.resolve("build"), handled), plugins.resolve("message-log.jar"));
    String kind = flushAll ? "flushall" : "restart-without-persistence";
    try (Fleet fleet = new Fleet(List.of("--interval-ms", "2", "--limit", Long.toString(LIMIT), "--workers", "2",
        "--concurrency", "50", "--plugins", plugins.toString(), "--handler", "com.acme.MessageLog",
        "--heartbeat-ms", "250", "--stale-ms", Long.toString(STALE_MS), "--http-port", "0"))) {
      List<FleetProcess> nodes = threeNodesUp(fleet);
      Waits.until("a third of the run", Duration.ofSeconds(60), () -> fleet.seq() > LIMIT / 3);

      long seqBefore = fleet.seq();
      long epochBefore = fleet.redis.number("GET", fleet.redis.keys.epoch());
      if (flushAll) {
        fleet.redis.call("FLUSHALL");
      } else {
        fleet.server.kill();
        fleet.server.restart();
      }
      long lostAtNanos = System.nanoTime();
      // "after the loss" starts at the new dataset's first answer, not at a reading taken before the
      // loss: the generator produces every 2 ms, so messages stamped between such a reading and the
      // kill (or the FLUSHALL) went into the old dataset, were handled, and rightly carry the old
      // epoch (a run counted 4 of them, ids right above seq_before, epoch 1)
      long lostAt = retried(() -> redisTimeMs(fleet.redis));
      // generation goes on in the new dataset
      explainingTimeout(fleet, nodes, () -> Waits.until("a message produced after the loss", Duration.ofSeconds(30),
          () -> HandledMessages.read(handled).lowestIdAfter(lostAt + 1) > 0));
      long resumedMs = (System.nanoTime() - lostAtNanos) / 1_000_000;

      // the fast path is back: a worker SIGKILLed now has its messages back within milliseconds
      String generator = Fleet.nodeOf(fleet.awaitLeader());
      FleetProcess victim = nodes.stream().filter(n -> !n.name.equals(generator)).findFirst().orElseThrow();
      // the fast path judges a node by its anchor connection (the leader by its own one), each of
      // which reconnects with backoff (up to 2 s) after a restart and registers again: until then a
      // dead node waits for staleMs, the window of RELIABILITY.md this test does not measure
      Waits.until("every node's anchor registered in the new dataset", Duration.ofSeconds(15),
          () -> nodes.stream().allMatch(n -> retried(() -> fleet.redis.string("HGET", fleet.redis.keys.anchors(), n.name)) != null));
      long killedAt = victim.freezeHoldingAndKill(() -> retried(() -> fleet.held(victim.name)));
      Waits.until(victim.name + "'s messages back in the queue", Duration.ofSeconds(15),
          () -> retried(() -> fleet.held(victim.name)) == 0);
      long requeuedMs = (System.nanoTime() - killedAt) / 1_000_000;

      Waits.until("the run to end", Duration.ofSeconds(90), () -> settled(fleet));
      HandledMessages h = HandledMessages.read(handled);
      long seq = fleet.seq();
      List<Long> reused = h.reusedIds();
      long staleEpochs = h.epochsNotAbove(epochBefore, lostAt + 1);
      JsonObject status = statusJson(fleet);
      FleetProcess survivor = nodes.stream().filter(n -> n != victim).findFirst().orElseThrow();
      String metrics = Http.get("http://127.0.0.1:" + Http.portOf(survivor) + "/metrics").body();
      System.out.printf("FIGURE data-loss kind=%s seq_before=%d epoch_before=%d continued_from=%d lowest_epoch_after=%d "
              + "final_seq=%d %s messages_with_an_old_epoch=%d generation_resumed_ms=%d dead_worker_requeued_ms=%d%n",
          kind, seqBefore, epochBefore, h.lowestIdAfter(lostAt + 1), h.lowestEpochAfter(lostAt + 1), seq, h.summary(seq),
          staleEpochs, resumedMs, requeuedMs);

      assertThat(reused).as("ids carried by two different messages").isEmpty();
      assertThat(staleEpochs).as("messages produced after the loss under an epoch seen before it").isZero();
      assertThat(h.lowestIdAfter(lostAt + 1)).as("the first id after the loss").isGreaterThan(seqBefore);
      assertThat(requeuedMs).as("ms from a worker's SIGKILL to its messages back in the queue, after the loss")
          .isLessThan(STALE_MS / 2);
      for (FleetProcess node : nodes) {
        if (node != victim) {
          assertThat(LOUD.matcher(node.logText()).results().count()).as(node.name + " says once that Redis lost data")
              .isEqualTo(1);
        }
      }
      JsonObject change = status.getJsonObject("redisChange");
      assertThat(change).as("status shows the loss: " + status.encode()).isNotNull();
      assertThat(change.getString("kind")).isEqualTo("lost");
      assertThat(change.getLong("seqRaisedTo")).isGreaterThanOrEqualTo(seqBefore);
      assertThat(status.getJsonObject("stats").getLong("data_lost")).isEqualTo(1);
      assertThat(Http.sample(metrics, "redfleet_fleet_data_lost_total", null)).isEqualTo(1);
    }
  }

  /**
   * Runs a wait; if it times out, the failure also says what Redis and each node show, since a
   * CI run keeps only the failure line: the counters, the queue, the lease, and each node's last
   * warnings and errors.
   */
  private static void explainingTimeout(Fleet fleet, List<FleetProcess> nodes, Runnable wait) {
    try {
      wait.run();
    } catch (AssertionError timeout) {
      StringBuilder state = new StringBuilder(timeout.getMessage());
      try {
        state.append(" | redis: seq=").append(fleet.seq()).append(" epoch=")
            .append(fleet.redis.string("GET", fleet.redis.keys.epoch())).append(" queue=")
            .append(fleet.redis.number("LLEN", fleet.redis.keys.queue())).append(" leader=").append(fleet.leaderToken());
      } catch (Throwable unreadable) {
        state.append(" | redis unreadable: ").append(unreadable.getMessage());
      }
      for (FleetProcess node : nodes) {
        List<String> loud = node.logText().lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")).toList();
        state.append(" | ").append(node.name).append(node.alive() ? "" : " (exited)").append(": ")
            .append(String.join(" / ", loud.subList(Math.max(0, loud.size() - 4), loud.size())));
      }
      throw new AssertionError(state.toString(), timeout);
    }
  }

  /** Three nodes all the way up (each said its role), so that each knew the dataset before it is lost. */
  private static List<FleetProcess> threeNodesUp(Fleet fleet) {
    List<FleetProcess> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(fleet.startJoined());
    }
    for (FleetProcess node : nodes) {
      Waits.until(node.name + " to say its role", Duration.ofSeconds(60),
          () -> node.logText().contains("is a worker") || node.logText().contains("is the generator"));
    }
    return nodes;
  }

  private static long redisTimeMs(TestRedis redis) {
    var t = redis.call("TIME");
    return t.get(0).toLong() * 1000 + t.get(1).toLong() / 1000;
  }

  private static JsonObject statusJson(Fleet fleet) {
    FleetProcess.Result r = FleetProcess.oneShot(List.of("status", "--json", "--redis", fleet.server.url()));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    return new JsonObject(r.stdout().trim());
  }

  private static boolean settled(Fleet fleet) {
    TestRedis redis = fleet.redis;
    try {
      if (redis.number("GET", redis.keys.seq()) < LIMIT || redis.number("LLEN", redis.keys.queue()) > 0) {
        return false;
      }
      for (String node : fleet.nodes().keySet()) {
        if (fleet.held(node) > 0) {
          return false;
        }
      }
      return true;
    } catch (Throwable notYet) {
      return false;
    }
  }
}
