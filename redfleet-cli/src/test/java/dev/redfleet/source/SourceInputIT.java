package dev.redfleet.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.FleetProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad source settings end {@code run} at once, before it connects (the Redis given here does not
 * exist: a run that got past the checks would wait for it): exit 2 and one line, no stack trace.
 */
class SourceInputIT {
  @TempDir
  Path dir;

  private static void refused(String expected, String... options) {
    List<String> args = new ArrayList<>(List.of("run", "--redis", "redis://127.0.0.1:1"));
    args.addAll(List.of(options));
    FleetProcess.Result r = FleetProcess.oneShot(args);
    assertThat(r.exitCode()).as(r.stderr()).isEqualTo(2);
    List<String> errors = r.stderr().lines().filter(l -> l.startsWith("redfleet: ")).toList();
    assertThat(errors).as(r.stderr()).hasSize(1);
    assertThat(errors.get(0)).isEqualTo("redfleet: bad configuration: " + expected);
    assertThat(r.stderr()).as("no stack trace").doesNotContain("\tat ").doesNotContain("Caused by").doesNotContain("Exception");
  }

  @Test
  void badSourceSettingsExitTwoWithOneLine() throws Exception {
    refused("source 'nosuch': no source of that name (known: simulated, none, lines, schedule) and no such class on the class path",
        "--source", "nosuch");
    refused("source 'lines' needs a file: --source-file FILE (each of its lines is emitted once)", "--source", "lines");
    refused("sourceFile " + dir.resolve("missing.txt") + " does not exist",
        "--source", "lines", "--source-file", dir.resolve("missing.txt").toString());
    refused("sourceFile " + dir + " is not a regular file", "--source", "lines", "--source-file", dir.toString());
    refused("source 'schedule' needs a cron expression: --schedule CRON (5 Unix fields, or 6 with seconds first)",
        "--source", "schedule");
    refused("schedule '* * *' has 3 field(s): give 5 (Unix cron: minute hour day-of-month month day-of-week) or 6 (seconds first)",
        "--source", "schedule", "--schedule", "* * *");
    refused("schedule '61 * * * * *' is not a valid cron expression: Value 61 not in range [0, 59]",
        "--source", "schedule", "--schedule", "61 * * * * *");
    refused("schedule '0 0 31 2 *' never fires", "--source", "schedule", "--schedule", "0 0 31 2 *");
    refused("sourcePollMs must be between 1 and 3600000, got 0 (from option --source-poll-ms)", "--source-poll-ms", "0");
    Path config = Files.writeString(dir.resolve("config.json"), "{\"source\": \"schedule\", \"schedule\": \"*/0 * * * *\"}");
    refused("schedule '*/0 * * * *' is not a valid cron expression: Period 0 not in range [0, 59]", "--config", config.toString());
  }
}
