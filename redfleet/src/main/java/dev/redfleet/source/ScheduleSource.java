package dev.redfleet.source;

import dev.redfleet.api.Source;
import dev.redfleet.api.SourceBatch;
import dev.redfleet.api.SourceItem;
import io.vertx.core.Future;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One message per tick of a cron schedule, each tick once across failovers. The cursor is the
 * last tick emitted (ISO-8601 UTC, e.g. {@code 2026-12-01T22:38:54Z}), or where the schedule
 * started: at the very start (no cursor) it commits "now" and emits only ticks after it, no
 * backfill. Ticks are decided on the fleet clock (Redis time as this node estimates it).
 *
 * <p>Missed ticks (no generator alive, or one that could not keep up) are coalesced: when several
 * ticks are due at once, only the most recent one is emitted, with a {@code skipped} header
 * counting the others (like a Kubernetes CronJob that starts the last missed run). Every message
 * has a {@code tick} header: its tick time, ISO-8601 UTC.
 */
final class ScheduleSource implements Source {
  private static final Logger log = LoggerFactory.getLogger(ScheduleSource.class);
  static final String TICK_HEADER = "tick";
  static final String SKIPPED_HEADER = "skipped";

  private final CronSchedule schedule;
  private final String body;
  private final LongSupplier clockMs;

  ScheduleSource(CronSchedule schedule, String body, LongSupplier clockMs) {
    this.schedule = schedule;
    this.body = body;
    this.clockMs = clockMs;
  }

  @Override
  public Future<SourceBatch> next(String cursor, int max) {
    Instant now = Instant.ofEpochMilli(clockMs.getAsLong());
    if (cursor == null) {
      log.info("schedule '{}' starts at {}: its first tick is {}", schedule.expression(), now, schedule.after(now));
      return Future.succeededFuture(SourceBatch.empty(now.toString()));
    }
    Instant last;
    try {
      last = Instant.parse(cursor);
    } catch (DateTimeParseException e) {
      return Future.failedFuture(new IllegalStateException("the committed cursor '" + cursor + "' is not a time: was this"
          + " namespace used with another source? Delete its key source:cursor to start the schedule from now"));
    }
    return Future.succeededFuture(batch(schedule.due(last, now), last));
  }

  private SourceBatch batch(CronSchedule.Due due, Instant last) {
    if (due == null) {
      return SourceBatch.empty();
    }
    Map<String, String> headers = new LinkedHashMap<>();
    String tick = due.tick().toString();
    headers.put(TICK_HEADER, tick);
    if (due.skipped() > 0) {
      headers.put(SKIPPED_HEADER, due.skippedText());
      log.info("schedule '{}': {} tick(s) after {} were missed; emitting only the latest, {}", schedule.expression(),
          due.skippedText(), last, tick);
    }
    return SourceBatch.of(List.of(SourceItem.of(body, headers)), tick);
  }
}
