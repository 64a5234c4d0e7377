package dev.redfleet.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.SourceBatch;
import dev.redfleet.api.SourceItem;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The schedule source's cursor: where it starts, one item per tick, coalescing, a foreign cursor. */
class ScheduleSourceTest {
  private final AtomicLong clock = new AtomicLong(Instant.parse("2026-03-01T10:00:00.250Z").toEpochMilli());
  private final ScheduleSource source = new ScheduleSource(CronSchedule.parse("* * * * * *", Instant.now()), "ping", clock::get);

  private SourceBatch next(String cursor) {
    Future<SourceBatch> answer = source.next(cursor, 500);
    assertThat(answer.succeeded()).as(String.valueOf(answer.cause())).isTrue();
    return answer.result();
  }

  private void at(String iso) {
    clock.set(Instant.parse(iso).toEpochMilli());
  }

  @Test
  void itStartsFromNowWithoutBackfillAndEmitsEachTickOnceWithItsTime() {
    SourceBatch start = next(null);
    assertThat(start.items()).isEmpty();
    assertThat(start.cursor()).isEqualTo("2026-03-01T10:00:00.250Z");
    assertThat(next(start.cursor()).items()).isEmpty();
    at("2026-03-01T10:00:01.020Z");
    SourceBatch tick = next(start.cursor());
    assertThat(tick.items()).containsExactly(SourceItem.of("ping", Map.of("tick", "2026-03-01T10:00:01Z")));
    assertThat(tick.cursor()).isEqualTo("2026-03-01T10:00:01Z");
    // asked again from the same cursor (a generator that died before committing): the same item
    assertThat(next(start.cursor())).isEqualTo(tick);
    // from the committed tick: nothing until the next one
    assertThat(next(tick.cursor()).items()).isEmpty();
  }

  @Test
  void missedTicksAreCoalescedIntoTheLatestWithASkippedCount() {
    at("2026-03-01T10:00:05.400Z");
    SourceBatch late = next("2026-03-01T10:00:01Z");
    assertThat(late.items()).containsExactly(SourceItem.of("ping", Map.of("tick", "2026-03-01T10:00:05Z", "skipped", "3")));
    assertThat(late.cursor()).isEqualTo("2026-03-01T10:00:05Z");
  }

  @Test
  void aCursorThatIsNoTimeFailsWithOneLine() {
    Future<SourceBatch> answer = source.next("18916", 500);
    assertThat(answer.failed()).isTrue();
    assertThat(answer.cause().getMessage()).contains("'18916' is not a time").contains("source:cursor").doesNotContain("\n");
  }
}
