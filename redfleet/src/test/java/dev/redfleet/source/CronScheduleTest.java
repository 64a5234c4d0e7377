package dev.redfleet.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.config.ConfigException;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Cron expressions through cron-utils: both forms, the one-line errors, next ticks and coalescing. */
class CronScheduleTest {
  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00.250Z");

  private static Instant t(String iso) {
    return Instant.parse(iso);
  }

  @Test
  void fiveFieldsAreUnixCronAndSixHaveSecondsFirst() {
    CronSchedule everyFiveMinutes = CronSchedule.parse("*/5 * * * *", NOW);
    assertThat(everyFiveMinutes.after(NOW)).isEqualTo(t("2026-03-01T10:05:00Z"));
    assertThat(everyFiveMinutes.after(t("2026-03-01T10:05:00Z"))).isEqualTo(t("2026-03-01T10:10:00Z"));
    CronSchedule everySecond = CronSchedule.parse(" * * * * * * ", NOW);
    assertThat(everySecond.expression()).isEqualTo("* * * * * *");
    // strictly after, at whole seconds, whatever the fraction of the argument
    assertThat(everySecond.after(NOW)).isEqualTo(t("2026-03-01T10:00:01Z"));
    assertThat(everySecond.after(t("2026-03-01T10:00:01Z"))).isEqualTo(t("2026-03-01T10:00:02Z"));
    CronSchedule weekdaysAtThree = CronSchedule.parse("30 0 3 * * MON-FRI", NOW);
    // 2026-03-01 is a Sunday
    assertThat(weekdaysAtThree.after(NOW)).isEqualTo(t("2026-03-02T03:00:30Z"));
  }

  @Test
  void badExpressionsAreOneLineConfigErrors() {
    assertThatThrownBy(() -> CronSchedule.parse("", NOW)).isInstanceOf(ConfigException.class)
        .hasMessage("source 'schedule' needs a cron expression: --schedule CRON (5 Unix fields, or 6 with seconds first)");
    assertThatThrownBy(() -> CronSchedule.parse("* * *", NOW)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("schedule '* * *' has 3 field(s): give 5 (Unix cron");
    assertThatThrownBy(() -> CronSchedule.parse("0 0 0 * * * 2026", NOW)).hasMessageContaining("has 7 field(s)");
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * * *", NOW)).isInstanceOf(ConfigException.class)
        .hasMessage("schedule '61 * * * * *' is not a valid cron expression: Value 61 not in range [0, 59]");
    assertThatThrownBy(() -> CronSchedule.parse("a b c d e", NOW)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("schedule 'a b c d e' is not a valid cron expression: ");
    assertThatThrownBy(() -> CronSchedule.parse("0 0 31 2 *", NOW)).isInstanceOf(ConfigException.class)
        .hasMessage("schedule '0 0 31 2 *' never fires");
    for (String bad : new String[] {"", "* * *", "61 * * * * *", "a b c d e", "0 0 31 2 *"}) {
      assertThatThrownBy(() -> CronSchedule.parse(bad, NOW)).satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }

  @Test
  void noTickIsDueBeforeTheNextOne() {
    CronSchedule everySecond = CronSchedule.parse("* * * * * *", NOW);
    assertThat(everySecond.due(t("2026-03-01T10:00:00Z"), t("2026-03-01T10:00:00.999Z"))).isNull();
    CronSchedule.Due due = everySecond.due(t("2026-03-01T10:00:00Z"), t("2026-03-01T10:00:01Z"));
    assertThat(due).isEqualTo(new CronSchedule.Due(t("2026-03-01T10:00:01Z"), 0, false));
  }

  @Test
  void ticksMissedTogetherAreCoalescedIntoTheLatest() {
    CronSchedule everySecond = CronSchedule.parse("* * * * * *", NOW);
    // last emitted 10:00:00, now 10:00:04.5: 01, 02 and 03 are skipped, 04 is emitted
    CronSchedule.Due due = everySecond.due(t("2026-03-01T10:00:00Z"), t("2026-03-01T10:00:04.500Z"));
    assertThat(due).isEqualTo(new CronSchedule.Due(t("2026-03-01T10:00:04Z"), 3, false));
    assertThat(due.skippedText()).isEqualTo("3");
    // an outage longer than MAX_COUNTED ticks: the latest tick still, the count marked as a floor
    CronSchedule.Due long_ = everySecond.due(t("2026-03-01T10:00:00Z"), t("2026-03-01T11:00:00.100Z"));
    assertThat(long_.tick()).isEqualTo(t("2026-03-01T11:00:00Z"));
    assertThat(long_.more()).isTrue();
    assertThat(long_.skippedText()).isEqualTo((CronSchedule.MAX_COUNTED + 1) + "+");
    CronSchedule hourly = CronSchedule.parse("0 * * * *", NOW);
    CronSchedule.Due hours = hourly.due(t("2026-03-01T10:00:00Z"), t("2026-03-01T13:30:00Z"));
    assertThat(hours).isEqualTo(new CronSchedule.Due(t("2026-03-01T13:00:00Z"), 2, false));
  }
}
