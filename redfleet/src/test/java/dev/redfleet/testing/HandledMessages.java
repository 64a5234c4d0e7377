package dev.redfleet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the workers of a data-loss test handled, read from the file of
 * {@code dev.redfleet.api.PluginJars#messageLog}: one line per handling, {@code id epoch
 * producedAt attempt node body}. A message is its id with its epoch, produce time and body (random
 * text from the simulated source): two lines with one id and different messages are a reused id,
 * two lines of one message are a message handled twice.
 */
public final class HandledMessages {
  /** One handling. */
  public record Line(long id, long epoch, long producedAt, int attempt, String node, String body) {
    /** The message, without who handled it or which attempt it was. */
    String message() {
      return epoch + "/" + producedAt + "/" + body;
    }
  }

  private final List<Line> lines;

  private HandledMessages(List<Line> lines) {
    this.lines = lines;
  }

  public static HandledMessages read(Path file) {
    if (!Files.exists(file)) {
      return new HandledMessages(List.of());
    }
    try {
      List<Line> lines = new ArrayList<>();
      for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = text.split("\t", 6);
        if (f.length == 6) {
          lines.add(new Line(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Integer.parseInt(f[3]), f[4],
              f[5]));
        }
      }
      return new HandledMessages(lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every handling, in the file's order. */
  public List<Line> lines() {
    return List.copyOf(lines);
  }

  public int handlings() {
    return lines.size();
  }

  /** The distinct messages handled for each id. */
  private Map<Long, Set<String>> messagesById() {
    Map<Long, Set<String>> byId = new TreeMap<>();
    for (Line l : lines) {
      byId.computeIfAbsent(l.id(), id -> new HashSet<>()).add(l.message());
    }
    return byId;
  }

  /** Ids that two or more different messages carried. */
  public List<Long> reusedIds() {
    List<Long> reused = new ArrayList<>();
    messagesById().forEach((id, messages) -> {
      if (messages.size() > 1) {
        reused.add(id);
      }
    });
    return reused;
  }

  /** Handlings beyond the first of the same message (at-least-once). */
  public long handledTwice() {
    Map<String, Integer> count = new HashMap<>();
    for (Line l : lines) {
      count.merge(l.id() + "/" + l.message(), 1, Integer::sum);
    }
    return count.values().stream().mapToLong(c -> c - 1).sum();
  }

  /** Ids in 1..seq that no handled message carried. */
  public long idsWithoutMessage(long seq) {
    Set<Long> seen = messagesById().keySet();
    long missing = 0;
    for (long id = 1; id <= seq; id++) {
      if (!seen.contains(id)) {
        missing++;
      }
    }
    return missing;
  }

  /** The highest epoch of a message produced before {@code atMs} (Redis clock); 0 if none. */
  public long highestEpochBefore(long atMs) {
    return lines.stream().filter(l -> l.producedAt() < atMs).mapToLong(Line::epoch).max().orElse(0);
  }

  /** The lowest epoch of a generated (epoch > 0) message produced after {@code atMs}; 0 if none. */
  public long lowestEpochAfter(long atMs) {
    return lines.stream().filter(l -> l.producedAt() > atMs && l.epoch() > 0).mapToLong(Line::epoch).min().orElse(0);
  }

  /** Handlings of messages produced after {@code atMs}. */
  public long producedAfter(long atMs) {
    return lines.stream().filter(l -> l.producedAt() > atMs).count();
  }

  /** The highest id of a message produced before {@code atMs}; 0 if none. */
  public long highestIdBefore(long atMs) {
    return lines.stream().filter(l -> l.producedAt() < atMs).mapToLong(Line::id).max().orElse(0);
  }

  /** The lowest id of a message produced after {@code atMs}: where the fleet continued; 0 if none. */
  public long lowestIdAfter(long atMs) {
    return lines.stream().filter(l -> l.producedAt() > atMs).mapToLong(Line::id).min().orElse(0);
  }

  /** Generated messages (epoch > 0) produced after {@code atMs} whose epoch is not above {@code epoch}. */
  public long epochsNotAbove(long epoch, long atMs) {
    return lines.stream().filter(l -> l.producedAt() > atMs && l.epoch() > 0 && l.epoch() <= epoch).count();
  }

  /** One line of figures for the build log. */
  public String summary(long seq) {
    return "handlings=" + handlings() + " reused_ids=" + reusedIds().size() + " handled_twice=" + handledTwice()
        + " ids_without_message=" + idsWithoutMessage(seq);
  }
}
