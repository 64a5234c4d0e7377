package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 7 items 12 and 13 with real processes: a Redis at maxmemory (noeviction) stops the
 * generator but not the workers; an evicting Redis is reported loudly at start.
 */
class MemoryPolicyIT {

  private static long usedMemory(Fleet fleet) {
    for (String line : fleet.redis.string("INFO", "memory").split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).trim());
      }
    }
    throw new AssertionError("no used_memory");
  }

  private static long count(String text, String part) {
    return text.lines().filter(l -> l.contains(part)).count();
  }

  @Test
  void atMaxmemoryTheFleetStopsProducingKeepsConsumingAndRecordsEverythingOnceAfterwards() {
    try (Fleet fleet = new Fleet(List.of("--interval-ms", "0", "--batch-size", "500", "--error-rate", "0.1",
        "--queue-cap", "30000"),
        "--maxmemory-policy", "noeviction")) {
      FleetProcess first = fleet.start("--workers", "1", "--concurrency", "4", "--max-delay-ms", "10");
      fleet.awaitLeader();
      // the generator's node takes no messages: a second node consumes
      FleetProcess second = fleet.start("--workers", "1", "--concurrency", "4", "--max-delay-ms", "10");
      Waits.until("a queue and a consumer", Duration.ofSeconds(60),
          () -> fleet.redis.number("LLEN", fleet.redis.keys.queue()) > 20_000 && fleet.redis.stat("processed") > 100);
      // 1 MB under what is used: what the workers free in a few seconds does not bring it back under
      fleet.redis.call("CONFIG", "SET", "maxmemory", Long.toString(usedMemory(fleet) - 1_000_000));
      Waits.pause(500);
      long seqAtLimit = fleet.seq();
      long processedAtLimit = fleet.redis.stat("processed");
      Waits.pause(3000);
      long produced = fleet.seq() - seqAtLimit;
      long consumed = fleet.redis.stat("processed") - processedAtLimit;
      assertThat(produced).as("produced at maxmemory").isZero();
      assertThat(consumed).as("recorded at maxmemory").isGreaterThan(50);
      String log = first.logText() + second.logText();
      assertThat(count(log, "generator: Redis call failed (OOM")).as("one line for the refused produce").isEqualTo(1);
      assertThat(log).doesNotContain("worker claim: Redis call failed").doesNotContain("worker finish: Redis call failed");
      assertThat(log).doesNotContain("REDIS EVICTS KEYS");

      fleet.redis.call("CONFIG", "SET", "maxmemory", "0");
      Waits.until("generation resumes", Duration.ofSeconds(20), () -> fleet.seq() > seqAtLimit + 1000);
      long total = fleet.stopGeneratingAndDrain(Duration.ofSeconds(180));
      fleet.assertEveryIdRecordedOnce(total);
      System.out.println("FIGURE maxmemory: 3 s at the limit: produced " + produced + ", recorded " + consumed
          + "; afterwards " + total + " messages, every id recorded once");
    }
  }

  @Test
  void anEvictingRedisIsReportedLoudlyAtStart() {
    try (Fleet fleet = new Fleet(List.of("--interval-ms", "100", "--limit", "10"), "--maxmemory-policy", "allkeys-lru")) {
      FleetProcess node = fleet.start();
      Waits.until("the eviction warning", Duration.ofSeconds(30), () -> node.logText().contains("REDIS EVICTS KEYS"));
      assertThat(node.logText()).contains("maxmemory-policy is 'allkeys-lru'");
      fleet.redis.call("CONFIG", "SET", "maxmemory-policy", "noeviction");
      FleetProcess second = fleet.start();
      Waits.until("the second node joins", Duration.ofSeconds(30), () -> second.logText().contains("joins namespace"));
      // the policy check runs after "joins namespace" and before the node joins the election (it
      // answers or times out first): once the node is in the election, whatever it had to say is logged
      Waits.until("the second node to join the election", Duration.ofSeconds(30),
          () -> second.logText().contains("joins the election"));
      assertThat(second.logText()).doesNotContain("REDIS EVICTS KEYS").doesNotContain("could not check");
    }
  }
}
