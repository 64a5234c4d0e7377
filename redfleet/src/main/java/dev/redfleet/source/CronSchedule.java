package dev.redfleet.source;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.redfleet.config.ConfigException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * A cron expression and its ticks, in UTC, at whole seconds: 5 fields (Unix cron: minute hour
 * day-of-month month day-of-week) or 6 with seconds first (as Spring's {@code @Scheduled}). Parsed
 * and checked by cron-utils; every problem is a one-line {@link ConfigException}.
 */
final class CronSchedule {
  /** Skipped ticks counted one by one at most (cron-utils takes about 20 µs a tick): beyond, "N+". */
  static final int MAX_COUNTED = 100;
  private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser SECONDS_FIRST = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));

  private final String expression;
  private final ExecutionTime executions;

  private CronSchedule(String expression, ExecutionTime executions) {
    this.expression = expression;
    this.executions = executions;
  }

  /** Parses and checks {@code expression}; it must fire at least once from {@code now} on. */
  static CronSchedule parse(String expression, Instant now) {
    String trimmed = expression == null ? "" : expression.trim();
    if (trimmed.isEmpty()) {
      throw new ConfigException("source 'schedule' needs a cron expression: --schedule CRON (5 Unix fields, or 6 with seconds first)");
    }
    int fields = trimmed.split("\\s+").length;
    if (fields != 5 && fields != 6) {
      throw new ConfigException("schedule '" + trimmed + "' has " + fields + " field(s): give 5 (Unix cron: minute hour"
          + " day-of-month month day-of-week) or 6 (seconds first)");
    }
    Cron cron;
    try {
      cron = (fields == 5 ? UNIX : SECONDS_FIRST).parse(trimmed).validate();
    } catch (RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
      throw new ConfigException("schedule '" + trimmed + "' is not a valid cron expression: "
          + why.replace("Failed to parse cron expression. ", ""));
    }
    CronSchedule schedule = new CronSchedule(trimmed, ExecutionTime.forCron(cron));
    if (schedule.after(now) == null) {
      throw new ConfigException("schedule '" + trimmed + "' never fires");
    }
    return schedule;
  }

  String expression() {
    return expression;
  }

  /** The first tick strictly after {@code t}, or null if there is none. */
  Instant after(Instant t) {
    // cron-utils keeps the fraction of a second of its argument: ticks are at whole seconds
    Optional<ZonedDateTime> next = executions.nextExecution(ZonedDateTime.ofInstant(t.truncatedTo(ChronoUnit.SECONDS), ZoneOffset.UTC));
    return next.map(ZonedDateTime::toInstant).orElse(null);
  }

  /**
   * The tick to emit when the last one emitted (or the start) was {@code last} and it is now
   * {@code now}: the most recent tick in (last, now], and how many ticks before it in that span
   * are skipped; null when no tick is due.
   */
  Due due(Instant last, Instant now) {
    Instant tick = after(last);
    if (tick == null || tick.isAfter(now)) {
      return null;
    }
    long skipped = 0;
    while (true) {
      Instant next = after(tick);
      if (next == null || next.isAfter(now)) {
        return new Due(tick, skipped, false);
      }
      if (skipped == MAX_COUNTED) {
        // a long outage: jump to the latest tick at or before now without counting every tick
        Instant latest = executions.lastExecution(ZonedDateTime.ofInstant(now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1),
            ZoneOffset.UTC)).map(ZonedDateTime::toInstant).orElse(next);
        return new Due(latest.isAfter(next) ? latest : next, skipped + 1, true);
      }
      tick = next;
      skipped++;
    }
  }

  /**
   * @param tick the tick to emit
   * @param skipped ticks before it that are not emitted (at least this many when {@code more})
   * @param more whether more ticks were skipped than counted
   */
  record Due(Instant tick, long skipped, boolean more) {
    String skippedText() {
      return skipped + (more ? "+" : "");
    }
  }
}
