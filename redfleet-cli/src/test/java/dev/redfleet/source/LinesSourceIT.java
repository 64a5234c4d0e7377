package dev.redfleet.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.PluginJars;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.Waits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --source lines} in a fleet of real processes: 20,000 lines, the generator SIGKILLed twice
 * (once while it reads the file's first part, once while lines are being appended), appends
 * followed, a last line emitted only once its newline is written. Every line becomes exactly one
 * message: message id N carries line N, and seq ends at 20,000.
 */
class LinesSourceIT {
  private static final int LINES = 20_000;
  private static final int FIRST_PART = 12_000;

  @TempDir
  Path dir;

  private static String lines(int from, int to) {
    StringBuilder text = new StringBuilder();
    for (int i = from; i <= to; i++) {
      text.append("line-").append(i).append('\n');
    }
    return text.toString();
  }

  private static void append(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  @Test
  void everyLineIsEmittedExactlyOnceAcrossGeneratorKillsAndAppendsAreFollowed() throws Exception {
    Path input = Files.writeString(dir.resolve("input.txt"), lines(1, FIRST_PART));
    Path handled = dir.resolve("handled.tsv");
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(PluginJars.recorder(dir.resolve("build"), handled), plugins.resolve("recorder.jar"));
    // paced, so that the kills land mid-file; batches of 100, so that a batch is in flight at each kill
    try (Fleet fleet = new Fleet(List.of("--source", "lines", "--source-file", input.toString(), "--rate", "2000",
        "--batch-size", "100", "--plugins", plugins.toString(), "--handler", "com.acme.Recorder"))) {
      // paused until all three nodes are up: on a loaded machine the first node could otherwise
      // emit the whole first part before the others have joined, and the kills would find nothing
      // left to emit
      fleet.redis.call("SET", fleet.redis.keys.paused(), "{\"by\":\"LinesSourceIT\",\"at\":0}");
      for (int i = 0; i < 3; i++) {
        fleet.startJoined();
      }
      fleet.awaitLeader();
      fleet.redis.call("DEL", fleet.redis.keys.paused());
      Waits.until("the first lines", Duration.ofSeconds(60), () -> fleet.seq() >= 4000);
      List<Long> takeovers = new ArrayList<>();
      takeovers.add(fleet.killGeneratorAndTimeTakeover().millis());
      fleet.startJoined();

      // appends while the fleet runs, in chunks, then a last line without its newline
      for (int from = FIRST_PART + 1; from < LINES; from += 1000) {
        append(input, lines(from, Math.min(from + 999, LINES - 1)));
        Waits.pause(100);
      }
      append(input, "line-" + LINES);
      Waits.until("the second kill's moment", Duration.ofSeconds(60), () -> fleet.seq() >= 15_000);
      takeovers.add(fleet.killGeneratorAndTimeTakeover().millis());
      fleet.startJoined();

      Waits.until("every complete line", Duration.ofSeconds(90), () -> fleet.seq() == LINES - 1);
      // the last line has no newline yet: it is not emitted
      Waits.pause(1000);
      assertThat(fleet.seq()).as("a line without its newline is not emitted").isEqualTo(LINES - 1);
      append(input, "\n");
      Waits.until("the completed last line", Duration.ofSeconds(30), () -> fleet.seq() == LINES);

      // the messages of the killed nodes go back to the queue when the reaper finds them dead
      fleet.awaitOutcomes(LINES, Duration.ofSeconds(120));
      Waits.pause(500);
      assertThat(fleet.seq()).isEqualTo(LINES);
      fleet.assertEveryIdRecordedOnce(LINES);
      assertThat(fleet.redis.string("GET", fleet.redis.keys.sourceCursor())).isEqualTo(Long.toString(Files.size(input)));

      List<Recorded> lines = Recorded.read(handled);
      Map<Long, Recorded> byId = Recorded.byId(lines);
      assertThat(byId).hasSize(LINES);
      Set<String> bodies = new HashSet<>();
      for (Recorded r : byId.values()) {
        // emitted in file order, one message per line: id N is line N
        assertThat(r.body()).isEqualTo("line-" + r.id());
        bodies.add(r.body());
      }
      assertThat(bodies).hasSize(LINES);
      long resumed = fleet.nodes().values().stream()
          .filter(n -> n.logText().contains("source resumes after the committed cursor '")).count();
      assertThat(resumed).as("generators that resumed after a committed cursor").isGreaterThanOrEqualTo(2);
      System.out.println("FIGURE lines source: " + LINES + " lines, generator SIGKILLed twice (takeover ms " + takeovers
          + "), " + lines.size() + " handler calls for " + byId.size() + " messages, every line once, seq " + fleet.seq());
    }
  }
}
