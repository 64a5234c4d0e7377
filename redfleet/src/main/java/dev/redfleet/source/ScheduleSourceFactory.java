package dev.redfleet.source;

import dev.redfleet.api.Source;
import dev.redfleet.api.SourceContext;
import dev.redfleet.api.SourceFactory;
import java.time.Instant;

/** The built-in {@code schedule} source: {@code --schedule CRON} and {@code --schedule-body TEXT}. */
public final class ScheduleSourceFactory implements SourceFactory {
  @Override
  public String name() {
    return "schedule";
  }

  @Override
  public Source create(SourceContext context) {
    CronSchedule schedule = CronSchedule.parse(context.settings().getString("schedule", ""), Instant.now());
    return new ScheduleSource(schedule, context.settings().getString("scheduleBody", ""), context::nowMs);
  }
}
