package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogThrottleTest {

  @Test
  void logsTheFirstThenOneSummaryPerWindow() {
    Logger logger = (Logger) LoggerFactory.getLogger("throttle-test");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    AtomicLong now = new AtomicLong(1_000);
    LogThrottle throttle = new LogThrottle(logger, 60_000, now::get);

    // 43 a second for 3 minutes, as a node without BLMOVE used to log
    for (int i = 0; i < 43 * 180; i++) {
      throttle.warn("worker BLMOVE: Redis call failed (NOPERM)");
      now.addAndGet(1000 / 43);
    }
    // at 0 s, 60 s and 120 s (the loop ends just before 180 s)
    assertThat(lines.list).hasSize(3);
    assertThat(lines.list.get(0).getFormattedMessage()).isEqualTo("worker BLMOVE: Redis call failed (NOPERM)");
    assertThat(lines.list.get(1).getFormattedMessage())
        .matches("worker BLMOVE: Redis call failed \\(NOPERM\\) \\(happened \\d+ more times in the last 60 s\\)");
    assertThat(throttle.suppressed()).isPositive();
  }
}
