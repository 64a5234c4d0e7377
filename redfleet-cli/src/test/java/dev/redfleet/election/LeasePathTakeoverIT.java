package dev.redfleet.election;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.TcpProxy;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * The lease path stays for a leader that is alive but unreachable: a frozen (SIGSTOP) or cut-off
 * (TCP black hole) generator keeps its connection to Redis open, so no follower may take over before
 * the lease TTL, and fencing holds: ordered by id, no message carries an older epoch than one before
 * it (every message fails on purpose, so the errors list is the full record). 20 trials each; the
 * takeover time (freeze or cut to the new generator's first message) is printed as a FIGURE.
 *
 * <p>The two tests run at the same time (each its own Redis, fleet and proxies; the class as a whole
 * runs alone): each trial must wait out the lease TTL, so a test is 20 waits of about 2 s with three
 * light JVMs idling, and one test's waits cover the other's. The bound each trial checks is a lower
 * one (no takeover before half the lease): the leader renews every 500 ms, so a takeover comes at
 * least 1500 ms after the freeze unless a renewal is late by more than 500 ms (measured with both
 * tests running: 1612 ms the earliest of 160 takeovers in four runs).
 */
class LeasePathTakeoverIT {
  private static final int TRIALS = 20;
  private static final long LEASE_MS = 2000;

  private final Fleet fleet = new Fleet(List.of("--interval-ms", "10", "--error-rate", "1", "--max-delay-ms", "20"));
  private final List<TcpProxy> proxies = new ArrayList<>();

  @AfterEach
  void stop() {
    proxies.forEach(TcpProxy::close);
    fleet.close();
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aFrozenGeneratorIsReplacedOnlyAfterItsLeaseAndFencingHolds() {
    for (int i = 0; i < 3; i++) {
      fleet.start();
    }
    fleet.awaitLeader();
    Waits.until("generation", Duration.ofSeconds(20), () -> fleet.seq() > 20);
    List<Long> takeovers = new ArrayList<>();
    for (int trial = 1; trial <= TRIALS; trial++) {
      String oldToken = fleet.leaderToken();
      FleetProcess frozen = fleet.node(Fleet.nodeOf(oldToken));
      long at = System.nanoTime();
      frozen.signal("STOP");
      takeovers.add(timeTakeover(oldToken, at));
      frozen.signal("CONT");
      awaitStepDown(frozen, oldToken);
    }
    report("SIGSTOP", takeovers);
    assertFencedAndComplete();
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aCutOffGeneratorIsReplacedOnlyAfterItsLeaseAndFencingHolds() throws Exception {
    Map<String, TcpProxy> proxyOf = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      TcpProxy proxy = new TcpProxy(fleet.server.port());
      proxies.add(proxy);
      proxyOf.put(fleet.startVia("redis://127.0.0.1:" + proxy.port()).name, proxy);
    }
    fleet.awaitLeader();
    Waits.until("generation", Duration.ofSeconds(20), () -> fleet.seq() > 20);
    List<Long> takeovers = new ArrayList<>();
    for (int trial = 1; trial <= TRIALS; trial++) {
      String oldToken = fleet.leaderToken();
      FleetProcess cutOff = fleet.node(Fleet.nodeOf(oldToken));
      TcpProxy proxy = proxyOf.get(cutOff.name);
      long at = System.nanoTime();
      proxy.cut();
      takeovers.add(timeTakeover(oldToken, at));
      proxy.heal();
      awaitStepDown(cutOff, oldToken);
    }
    report("partition", takeovers);
    assertFencedAndComplete();
  }

  /** From {@code at} to the first message of the new generator; checks it came through the lease path. */
  private long timeTakeover(String oldToken, long at) {
    String newToken = fleet.awaitNewLeader(oldToken, Duration.ofSeconds(15));
    long seqAtTakeover = fleet.seq();
    Waits.until("the new generator's first message", Duration.ofSeconds(10), () -> fleet.seq() > seqAtTakeover);
    long ms = (System.nanoTime() - at) / 1_000_000;
    assertThat(Fleet.epochOf(newToken)).isEqualTo(Fleet.epochOf(oldToken) + 1);
    // the connection path would take about 100 ms: this one waited for the lease
    assertThat(ms).as("takeover of a live but unreachable generator (ms)").isGreaterThanOrEqualTo(LEASE_MS / 2);
    return ms;
  }

  private void awaitStepDown(FleetProcess node, String oldToken) {
    long epoch = Fleet.epochOf(oldToken);
    Waits.until(node.name + " to step down from epoch " + epoch, Duration.ofSeconds(20),
        () -> node.logText().contains("stops generating (epoch " + epoch + ")"));
  }

  private static void report(String path, List<Long> takeovers) {
    List<Long> sorted = takeovers.stream().sorted().toList();
    System.out.println("FIGURE generator " + path + " x" + takeovers.size() + " takeover ms (lease path): p50="
        + sorted.get(sorted.size() / 2) + " p99=" + sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1)
        + " max=" + sorted.get(sorted.size() - 1) + " all=" + takeovers);
  }

  private void assertFencedAndComplete() {
    long produced = fleet.stopGeneratingAndDrain(Duration.ofSeconds(90));
    fleet.assertEveryIdRecordedOnce(produced);
    List<JsonObject> record = new ArrayList<>(fleet.drainErrors());
    assertThat(record).hasSize((int) produced);
    record.sort(Comparator.comparingLong(e -> e.getLong("id")));
    long stale = 0;
    long highest = 0;
    for (JsonObject e : record) {
      stale += e.getLong("epoch") < highest ? 1 : 0;
      highest = Math.max(highest, e.getLong("epoch"));
    }
    System.out.println("FIGURE fencing over " + TRIALS + " lease-path takeovers: " + produced
        + " messages, stale-epoch messages: " + stale + ", epochs used: " + highest);
    assertThat(stale).as("messages with an older epoch than an earlier id").isZero();
  }
}
