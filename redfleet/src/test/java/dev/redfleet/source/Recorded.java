package dev.redfleet.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One line of the test handler's file ({@link dev.redfleet.api.PluginJars#recorder}): a message
 * as a worker handled it.
 */
record Recorded(long id, int attempt, String node, String tick, String skipped, long producedAt, String body) {
  static List<Recorded> read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return List.of();
    }
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(line -> {
      String[] f = line.split("\t", 7);
      return new Recorded(Long.parseLong(f[0]), Integer.parseInt(f[1]), f[2], f[3], f[4], Long.parseLong(f[5]), f[6]);
    }).toList();
  }

  /**
   * One entry per message id. A message handled twice (its worker was SIGKILLed after the handler
   * ran, before the outcome was recorded) has one line per handling: they must agree.
   */
  static Map<Long, Recorded> byId(List<Recorded> lines) {
    Map<Long, Recorded> byId = new TreeMap<>();
    for (Recorded r : lines) {
      Recorded before = byId.putIfAbsent(r.id(), r);
      if (before != null) {
        assertThat(r.body()).as("body of id " + r.id() + " handled twice").isEqualTo(before.body());
        assertThat(r.tick()).as("tick of id " + r.id() + " handled twice").isEqualTo(before.tick());
      }
    }
    return byId;
  }
}
