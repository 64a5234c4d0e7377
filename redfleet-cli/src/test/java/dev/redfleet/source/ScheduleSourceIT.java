package dev.redfleet.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.PluginJars;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.Waits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --source schedule} with a 1-second cron in a fleet of real processes: the generator
 * SIGKILLed across a tick (a follower takes over), then the whole fleet SIGKILLed for several
 * seconds and a fresh node started. Each tick is emitted at most once; ticks missed while no
 * generator ran are coalesced into one message for the latest of them, whose {@code skipped}
 * header counts the others; the first start emits no backfill.
 */
class ScheduleSourceIT {
  /** How long no node runs: at least 3 whole ticks pass unseen. */
  /**
   * No generator for this long, then a JVM start: at least 3 ticks (one a second) are missed
   * whatever the phase of the kill, with a fast start too (test JVMs run C1 only: 3.5 s plus a
   * start of under half a second missed only 2 when the kill came just after a tick).
   */
  private static final long OUTAGE_MS = 4500;

  @TempDir
  Path dir;

  @Test
  void eachTickOnceAcrossKillsAndMissedTicksCoalesceIntoTheLatest() throws Exception {
    Path handled = dir.resolve("handled.tsv");
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(PluginJars.recorder(dir.resolve("build"), handled), plugins.resolve("recorder.jar"));
    try (Fleet fleet = new Fleet(List.of("--source", "schedule", "--schedule", "* * * * * *", "--schedule-body", "tick",
        "--plugins", plugins.toString(), "--handler", "com.acme.Recorder"))) {
      Instant firstStart = Instant.now();
      fleet.startJoined();
      fleet.startJoined();
      fleet.awaitLeader();
      Waits.until("3 ticks", Duration.ofSeconds(30), () -> fleet.seq() >= 3);

      // across a tick: SIGKILL 900 ms after a tick was emitted, so that the next falls in the takeover
      long seen = fleet.seq();
      Waits.until("a new tick", Duration.ofSeconds(5), () -> fleet.seq() > seen);
      Waits.pause(900);
      long takeoverMs = fleet.killGeneratorAndTimeTakeover().millis();
      fleet.startJoined();
      long before = fleet.seq();
      Waits.until("3 more ticks", Duration.ofSeconds(30), () -> fleet.seq() >= before + 3);

      // no generator at all for a while: every node SIGKILLed, then a fresh one
      for (FleetProcess node : fleet.nodes().values()) {
        if (node.alive()) {
          node.kill();
        }
      }
      long beforeOutage = fleet.seq();
      Waits.pause(OUTAGE_MS);
      assertThat(fleet.seq()).isEqualTo(beforeOutage);
      fleet.startJoined();
      Waits.until("3 ticks after the outage", Duration.ofSeconds(30), () -> fleet.seq() >= beforeOutage + 3);
      fleet.startJoined();

      long produced = fleet.seq();
      // the killed nodes' messages go back to the queue when the reaper finds them dead
      Waits.until("every message up to " + produced + " handled", Duration.ofSeconds(60),
          () -> Recorded.byId(readQuietly(handled)).keySet().containsAll(
              java.util.stream.LongStream.rangeClosed(1, produced).boxed().toList()));
      List<Recorded> messages = new ArrayList<>(Recorded.byId(Recorded.read(handled)).values()).subList(0, (int) produced);
      assertThat(messages).extracting(Recorded::id).isEqualTo(java.util.stream.LongStream.rangeClosed(1, produced).boxed().toList());

      // the first start: no backfill, no skipped ticks, and its first tick after the start
      assertThat(messages.get(0).skipped()).isEmpty();
      assertThat(Instant.parse(messages.get(0).tick())).isAfter(firstStart.minusSeconds(1));
      List<Long> lateness = new ArrayList<>();
      int coalesced = -1;
      for (int i = 0; i < messages.size(); i++) {
        Recorded m = messages.get(i);
        assertThat(m.body()).isEqualTo("tick");
        Instant tick = Instant.parse(m.tick());
        assertThat(tick.getNano()).isZero();
        lateness.add(m.producedAt() - tick.toEpochMilli());
        if (i == 0) {
          continue;
        }
        Instant previous = Instant.parse(messages.get(i - 1).tick());
        // strictly later than the previous tick: no tick twice, none out of order
        assertThat(tick).as("tick of id " + m.id()).isAfter(previous);
        long gap = Duration.between(previous, tick).getSeconds() - 1;
        // every tick between two messages is accounted for by the skipped header, and nowhere else
        assertThat(m.skipped().isEmpty() ? 0 : Long.parseLong(m.skipped())).as("skipped ticks before id " + m.id()).isEqualTo(gap);
        if (m.id() == beforeOutage + 1) {
          coalesced = i;
        }
      }
      // the outage: one message for the latest missed tick, emitted when the fresh node started
      Recorded afterOutage = messages.get(coalesced);
      assertThat(Long.parseLong(afterOutage.skipped())).as("ticks missed during the outage").isGreaterThanOrEqualTo(3);
      // a tick is emitted at or after its time (the fleet clock's estimate may be a few ms off) and,
      // from a running generator, within the poll (100 ms) plus scheduling on a busy machine
      List<Long> sorted = lateness.stream().sorted().toList();
      assertThat(sorted.get(0)).as("earliest emission relative to its tick, ms").isGreaterThanOrEqualTo(-50);
      long p50 = sorted.get(sorted.size() / 2);
      assertThat(p50).as("median lateness ms").isLessThan(500);
      System.out.println("FIGURE schedule source: " + produced + " ticks emitted once each; takeover across a tick "
          + takeoverMs + " ms; outage of " + OUTAGE_MS + " ms + a JVM start coalesced " + afterOutage.skipped()
          + " missed ticks into 1 message (tick " + afterOutage.tick() + ", " + (afterOutage.producedAt()
          - Instant.parse(afterOutage.tick()).toEpochMilli()) + " ms late); lateness ms p50=" + p50 + " max="
          + sorted.get(sorted.size() - 1) + " all=" + lateness);
    }
  }

  private static List<Recorded> readQuietly(Path file) {
    try {
      return Recorded.read(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
