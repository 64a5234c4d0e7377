package dev.redfleet.redis;

import static dev.redfleet.testing.FailoverAudit.retried;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.PluginJars;
import dev.redfleet.testing.FailoverAudit;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.HandledMessages;
import dev.redfleet.testing.SentinelRedis;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A fleet of three real JVMs on master + replica + 3 sentinels; the master is SIGKILLed mid-run.
 * The fleet must follow the failover (pooled and blocking connections), finish the run on the new
 * master, and the figures are printed: time from the kill to the first message produced on the
 * new master, messages lost, outcomes duplicated, ids reused; once without and once with
 * {@code --wait-replicas 1}. Ids never go backwards (seq floors), and nothing is recorded twice.
 */
class SentinelFailoverIT {
  private static final long LIMIT = 3000;
  /**
   * The failover tests mostly wait (for the sentinels, for a paced run), each on its own servers
   * and ports, and have no upper timing bound: they run side by side (two at a time on two cores).
   * The planned switch counts what a node judged dead, which a starved process could cause: it
   * runs alone.
   */
  private static final String ALONE = "sentinel-planned-switch";

  @TempDir
  Path dir;

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  @ResourceLock(value = ALONE, mode = ResourceAccessMode.READ)
  void theFleetFollowsAKilledMasterWithoutTheAcknowledgementOption() {
    failover(0);
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  @ResourceLock(value = ALONE, mode = ResourceAccessMode.READ)
  void theFleetFollowsAKilledMasterWithWaitReplicas() {
    failover(1);
  }

  private void failover(int waitReplicas) {
    try (SentinelRedis redis = new SentinelRedis();
         TestRedis replica = new TestRedis(redis.replica.url(), "redfleet");
         Fleet fleet = new Fleet(null, new TestRedis(RedisConnectionOptions.parse(redis.url()), "redfleet"), redis.url(),
             // paced, not one message per interval: a produce that waits (WAIT, a loaded CI machine
             // running this class's cases side by side) delays the next under --interval-ms, while
             // --rate carries what fell due, so the run reaches its kill point at the same pace
             List.of("--rate", "333", "--limit", Long.toString(LIMIT), "--workers", "2", "--concurrency", "50",
                 "--max-delay-ms", "50", "--lease-ms", "3000", "--renew-ms", "500", "--retry-ms", "250",
                 "--heartbeat-ms", "250", "--stale-ms", "6000", "--block-ms", "500",
                 "--wait-replicas", Integer.toString(waitReplicas), "--wait-timeout-ms", "1000"))) {
      List<FleetProcess> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        nodes.add(fleet.start());
      }
      Waits.until("a third of the run", Duration.ofSeconds(60),
          () -> retried(() -> replica.number("GET", replica.keys.seq())) > LIMIT / 3);

      java.time.LocalTime killedAtClock = java.time.LocalTime.now();
      long killedAt = System.nanoTime();
      redis.master.kill();
      // the promoted replica drops its clients (CLIENT KILL): the test's reads retry like the fleet does
      long producedAtKill = retried(() -> replica.stat("produced"));
      Waits.until("a message produced on the new master", Duration.ofSeconds(30), () -> {
        try {
          return replica.stat("produced") > producedAtKill;
        } catch (Throwable notYet) {
          return false;
        }
      });
      long firstMessageMs = (System.nanoTime() - killedAt) / 1_000_000;
      assertThat(retried(redis::masterPort)).isEqualTo(redis.replica.port());

      // the run ends on the new master: every id handed out, nothing queued, landed or in flight
      Waits.until("the run to end on the new master", Duration.ofSeconds(120), () -> settled(replica, nodes));
      Waits.pause(1500);
      assertThat(settled(replica, nodes)).as("still settled 1.5 s later").isTrue();

      long seq = retried(() -> replica.number("GET", replica.keys.seq()));
      long lost = retried(() -> FailoverAudit.idsWithoutOutcome(replica, seq));
      long duplicated = replica.stat("duplicates");
      long oldSeq;
      try (TestRedis old = redis.openKilledMaster("redfleet")) {
        oldSeq = old.number("GET", old.keys.seq());
      }
      // the first produce on the new master: the lowest id a produce continued from after the kill
      long continuedFrom = FailoverAudit.continuedFrom(nodes, killedAtClock);
      long reused = FailoverAudit.idsReused(oldSeq, continuedFrom);
      System.out.printf("FIGURE sentinel-failover waitReplicas=%d messages=%d kill_to_first_message_on_new_master_ms=%d "
              + "old_master_seq=%d new_master_continued_from=%d final_seq=%d lost=%d (of them skipped by the floors: %d) "
              + "duplicated=%d ids_reused=%d processed=%d%n",
          waitReplicas, LIMIT, firstMessageMs, oldSeq, continuedFrom, seq, lost, replica.stat("ids_skipped"), duplicated, reused,
          replica.stat("processed"));

      assertThat(seq).as("the fleet produced up to its limit on the new master").isEqualTo(LIMIT);
      assertThat(duplicated).as("outcomes recorded twice").isZero();
      // ids are reserved durably (WAIT for the replica) before a message carries them, so the new
      // master's seq is above every id the old one handed out: not one is handed out again
      assertThat(reused).as("ids handed out twice").isZero();
      assertThat(firstMessageMs).as("kill to first message on the new master").isLessThan(30_000);
      for (FleetProcess node : nodes) {
        assertThat(node.alive()).as(node.name + " survived the failover").isTrue();
        assertThat(node.terminate(30)).isEqualTo(143);
      }
    }
  }

  /**
   * The case, once: the master and the generator SIGKILLed at the same moment, default
   * settings, while the replica lags: it sleeps 0.8 s ({@code DEBUG SLEEP}) and a 32 MB write fills
   * the link, so the last 300 ms of the master's writes never reach it. Nobody who survives saw the
   * generator's last ids. The new generator must continue above every id the old master had handed
   * out (read back from its append-only file) and above every epoch, no id may be carried by two
   * different messages (every handled message is written to a file), and nothing may stay stranded
   * in a live node's in-flight record (the run must drain).
   */
  @Test
  @Execution(ExecutionMode.CONCURRENT)
  @ResourceLock(value = ALONE, mode = ResourceAccessMode.READ)
  void theMasterAndTheGeneratorKilledTogetherReuseNoIdAndNoEpoch() throws Exception {
    Path handled = dir.resolve("handled.tsv");
    long limit = 4000;
    try (SentinelRedis redis = SentinelRedis.withReplicaArgs("--enable-debug-command", "yes");
         TestRedis replica = new TestRedis(redis.replica.url(), "redfleet");
         Fleet fleet = new Fleet(null, new TestRedis(RedisConnectionOptions.parse(redis.url()), "redfleet"), redis.url(),
             messageLogFleet(handled, limit))) {
      List<FleetProcess> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        nodes.add(fleet.start());
      }
      Waits.until("a third of the run", Duration.ofSeconds(60),
          () -> retried(() -> replica.number("GET", replica.keys.seq())) > limit / 3);
      String token = leader(replica);
      FleetProcess generator = fleet.node(Fleet.nodeOf(token));
      // the replica falls behind: asleep, and a 32 MB write fills the link (and the kernel's
      // buffers), so what the master writes next waits in its own memory and dies with it
      String ballast = "x".repeat(32 << 20);
      TestRedis toReplica = new TestRedis(redis.replica.url(), "x");
      TestRedis toMaster = new TestRedis(redis.master.url(), "x");
      toReplica.call("PING");
      toMaster.call("PING");
      Thread sleeper = new Thread(() -> {
        try {
          toReplica.call("DEBUG", "SLEEP", "0.8");
        } catch (Throwable ignored) {
          // whatever the replica answers does not matter
        }
      });
      sleeper.start();
      Waits.pause(50);
      toMaster.call("SET", "ballast", ballast);
      Waits.pause(300);
      long killedAt = System.currentTimeMillis();
      redis.master.kill();
      generator.kill();
      sleeper.join();
      toReplica.close();
      toMaster.close();
      List<FleetProcess> survivors = nodes.stream().filter(n -> n != generator).toList();
      // measured whether or not it drains: a message stranded in a live node's in-flight record
      // keeps it from draining, which is asserted below the figures
      boolean drained = within(Duration.ofSeconds(60), () -> settled(replica, survivors, limit));

      long oldSeq;
      long oldEpoch;
      try (TestRedis old = redis.openKilledMaster("redfleet")) {
        oldSeq = old.number("GET", old.keys.seq());
        oldEpoch = old.number("GET", old.keys.epoch());
      }
      HandledMessages h = HandledMessages.read(handled);
      long seq = retried(() -> replica.number("GET", replica.keys.seq()));
      long continuedFrom = h.lowestIdAfter(killedAt);
      long reusedAfterOldMaster = FailoverAudit.idsReused(oldSeq, continuedFrom);
      long oldEpochs = h.epochsNotAbove(oldEpoch, killedAt);
      System.out.printf("FIGURE sentinel master+generator killed together: old_master_seq=%d old_master_epoch=%d "
              + "continued_from=%d lowest_epoch_after=%d ids_the_old_master_had_issued_reissued=%d %s "
              + "messages_with_an_old_epoch=%d duplicates=%d%n",
          oldSeq, oldEpoch, continuedFrom, h.lowestEpochAfter(killedAt), reusedAfterOldMaster, h.summary(seq), oldEpochs,
          replica.stat("duplicates"));
      if (!drained) {
        for (FleetProcess node : survivors) {
          System.out.printf("FIGURE   %s still holds %d message(s)%n", node.name,
              retried(() -> replica.number("HLEN", replica.keys.inflight(node.name))));
        }
      }

      assertThat(h.reusedIds()).as("ids carried by two different messages").isEmpty();
      assertThat(reusedAfterOldMaster).as("ids the old master had handed out, handed out again").isZero();
      assertThat(oldEpochs).as("messages produced after the kill under an epoch the old master had").isZero();
      assertThat(replica.stat("duplicates")).as("outcomes recorded twice").isZero();
      assertThat(drained).as("the run drained: nothing stranded in a live node's in-flight record").isTrue();
      for (FleetProcess node : survivors) {
        assertThat(node.alive()).as(node.name + " survived").isTrue();
        // the fixture's master has no min-replicas-to-write: each node warns at start, once
        assertThat(node.logText().split("SPLIT BRAIN POSSIBLE", -1).length - 1).as(node.name + " warns of a split brain")
            .isEqualTo(1);
      }
    }
  }

  /**
   * The other case: a restarted server that has not begun its first sync is promoted. The
   * master and the generator are SIGKILLed, the replica takes over; the old master comes back as a
   * replica with its stale data (its own append-only file) but cannot sync yet (the new master
   * delays diskless syncs by 30 s); then the new master and the new generator are SIGKILLed too,
   * and Sentinel promotes the stale server. Ids and epochs must still not go backwards: the
   * surviving nodes remember them.
   */
  @Test
  @Execution(ExecutionMode.CONCURRENT)
  @ResourceLock(value = ALONE, mode = ResourceAccessMode.READ)
  void anUnsyncedReplicaPromotedReusesNoIdAndNoEpoch() throws Exception {
    Path handled = dir.resolve("handled.tsv");
    // unbounded: the run ends once enough was handled on the stale server
    long limit = 0;
    try (SentinelRedis redis = SentinelRedis.withReplicaArgs("--repl-diskless-sync-delay", "30");
         TestRedis replica = new TestRedis(redis.replica.url(), "redfleet");
         Fleet fleet = new Fleet(null, new TestRedis(RedisConnectionOptions.parse(redis.url()), "redfleet"), redis.url(),
             messageLogFleet(handled, limit))) {
      List<FleetProcess> nodes = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        nodes.add(fleet.start());
      }
      Waits.until("500 messages", Duration.ofSeconds(60),
          () -> retried(() -> replica.number("GET", replica.keys.seq())) > 500);

      // 1: master and generator; the replica takes over
      FleetProcess first = fleet.node(Fleet.nodeOf(leader(replica)));
      long firstKill = System.currentTimeMillis();
      redis.master.kill();
      first.kill();
      Waits.until("the replica promoted", Duration.ofSeconds(30), () -> retried(redis::masterPort) == redis.replica.port());
      Waits.until("messages produced on the replica", Duration.ofSeconds(30),
          () -> HandledMessages.read(handled).lowestIdAfter(firstKill) > 0);

      // the old master back as a replica, with its stale data and no sync yet
      redis.master.restart("--replicaof", "127.0.0.1", Integer.toString(redis.replica.port()));
      Waits.until("the sentinels to know the restarted server as a replica", Duration.ofSeconds(30),
          () -> redis.sentinelsKnowReplica(redis.master.port()));
      TestRedis stale = new TestRedis(redis.master.url(), "redfleet");
      assertThat(stale.string("INFO", "replication")).as("the restarted server has not synced").contains("master_link_status:down");
      long seqOnReplica = retried(() -> replica.number("GET", replica.keys.seq()));

      // 2: the new master and the new generator; the stale, unsynced server is promoted
      String secondToken = leader(replica);
      long epochBeforeSecond = Fleet.epochOf(secondToken);
      FleetProcess second = fleet.node(Fleet.nodeOf(secondToken));
      long secondKill = System.currentTimeMillis();
      redis.replica.kill();
      second.kill();
      Waits.until("the stale server promoted", Duration.ofSeconds(30), () -> retried(redis::masterPort) == redis.master.port());
      List<FleetProcess> survivors = nodes.stream().filter(n -> n != first && n != second).toList();
      Waits.until("500 messages produced on the stale server handled", Duration.ofSeconds(60),
          () -> HandledMessages.read(handled).producedAfter(secondKill) >= 500);
      for (FleetProcess node : survivors) {
        assertThat(node.terminate(30)).as(node.name + " survived and left").isEqualTo(143);
      }

      HandledMessages h = HandledMessages.read(handled);
      long seq = stale.number("GET", stale.keys.seq());
      long oldEpochs = h.epochsNotAbove(epochBeforeSecond, secondKill);
      System.out.printf("FIGURE sentinel unsynced replica promoted: seq_on_replica_at_restart=%d highest_id_before_second_kill=%d "
              + "continued_from=%d epoch_before_second_kill=%d lowest_epoch_after=%d %s messages_with_an_old_epoch=%d "
              + "duplicates=%d%n",
          seqOnReplica, h.highestIdBefore(secondKill), h.lowestIdAfter(secondKill), epochBeforeSecond,
          h.lowestEpochAfter(secondKill), h.summary(seq), oldEpochs, stale.stat("duplicates"));
      stale.close();

      assertThat(h.reusedIds()).as("ids carried by two different messages").isEmpty();
      assertThat(oldEpochs).as("messages produced after the second kill under an epoch seen before it").isZero();
      assertThat(h.epochsNotAbove(Fleet.epochOf(token(first)), firstKill)).as("epochs after the first kill").isZero();
      assertThat(h.lowestIdAfter(secondKill)).as("the first id on the stale server")
          .isGreaterThan(h.highestIdBefore(secondKill));
    }
  }

  /** Whether {@code condition} becomes true within {@code limit} (polled every 50 ms). */
  private static boolean within(Duration limit, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Waits.pause(50);
    }
    return condition.getAsBoolean();
  }

  /** The lease token, read on {@code redis} (the master, or its replica) once there is one. */
  private static String leader(TestRedis redis) {
    String[] token = new String[1];
    Waits.until("a generator", Duration.ofSeconds(30), () -> {
      try {
        token[0] = redis.string("GET", redis.keys.leader());
      } catch (Throwable notYet) {
        return false;
      }
      return token[0] != null;
    });
    return token[0];
  }

  private static String token(FleetProcess generator) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("node " + generator.name + " is now the generator \\(epoch (\\d+)\\)")
        .matcher(generator.logText());
    String epoch = "0";
    while (m.find()) {
      epoch = m.group(1);
    }
    return generator.name + ":" + epoch;
  }

  /**
   * A planned switch ({@code SENTINEL FAILOVER}): every process stays alive and connected, so no node
   * may be declared dead. While the sentinels switch, the pooled connections and a node's anchor
   * connection can be on different servers; the connection check must be made on the server the
   * anchor is on, or every anchor looks gone. Counted from the nodes' logs: takeovers and requeues
   * for a connection "gone", and a node that took its own new connection for another process.
   */
  @Test
  @ResourceLock(value = ALONE, mode = ResourceAccessMode.READ_WRITE)
  void aPlannedSwitchDeclaresNoLiveNodeDead() {
    try (SentinelRedis redis = new SentinelRedis();
         Fleet fleet = new Fleet(null, new TestRedis(RedisConnectionOptions.parse(redis.url()), "redfleet"), redis.url(),
             List.of("--interval-ms", "2", "--workers", "2", "--concurrency", "50", "--max-delay-ms", "200",
                 "--heartbeat-ms", "250", "--stale-ms", "6000", "--lease-ms", "3000", "--block-ms", "500"))) {
      List<FleetProcess> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        nodes.add(fleet.startJoined());
      }
      Waits.until("messages flowing", Duration.ofSeconds(60), () -> retried(() -> fleet.redis.stat("processed")) > 500);
      for (int round = 0; round < 2; round++) {
        redis.failover();
        Waits.pause(4000);
      }
      long falseVerdicts = 0;
      for (FleetProcess node : nodes) {
        String log = node.logText();
        // the reaper's "node X's connection to Redis is gone" and a takeover's "its connection to Redis is gone"
        falseVerdicts += count(log, "connection to Redis is gone") + count(log, "was taken by another live process");
      }
      System.out.printf("FIGURE sentinel planned switch x2: false connection-gone verdicts=%d nodes alive=%d%n", falseVerdicts,
          nodes.stream().filter(FleetProcess::alive).count());
      assertThat(falseVerdicts).as("live nodes declared dead").isZero();
      for (FleetProcess node : nodes) {
        assertThat(node.alive()).as(node.name + " alive").isTrue();
      }
    }
  }

  private static long count(String text, String what) {
    return text.split(java.util.regex.Pattern.quote(what), -1).length - 1;
  }

  /** Run options of the data-loss cases: every handled message written to {@code handled}. */
  private List<String> messageLogFleet(Path handled, long limit) throws java.io.IOException {
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(PluginJars.messageLog(dir.resolve("build"), handled), plugins.resolve("message-log.jar"));
    return List.of("--interval-ms", "4", "--limit", Long.toString(limit), "--workers", "2", "--concurrency", "50",
        "--plugins", plugins.toString(), "--handler", "com.acme.MessageLog", "--lease-ms", "3000", "--renew-ms", "500",
        "--retry-ms", "250", "--heartbeat-ms", "250", "--stale-ms", "3000", "--block-ms", "500");
  }

  private static boolean settled(TestRedis redis, List<FleetProcess> nodes, long limit) {
    try {
      if (redis.number("GET", redis.keys.seq()) < limit || redis.number("LLEN", redis.keys.queue()) > 0) {
        return false;
      }
      for (FleetProcess node : nodes) {
        if (redis.number("HLEN", redis.keys.inflight(node.name)) > 0 || redis.number("LLEN", redis.keys.landing(node.name)) > 0) {
          return false;
        }
      }
      return true;
    } catch (Throwable notYet) {
      return false;
    }
  }

  private static boolean settled(TestRedis redis, List<FleetProcess> nodes) {
    try {
      if (redis.number("GET", redis.keys.seq()) < LIMIT || redis.number("LLEN", redis.keys.queue()) > 0) {
        return false;
      }
      for (FleetProcess node : nodes) {
        if (redis.number("HLEN", redis.keys.inflight(node.name)) > 0 || redis.number("LLEN", redis.keys.landing(node.name)) > 0) {
          return false;
        }
      }
      return true;
    } catch (Throwable notYet) {
      return false;
    }
  }
}
