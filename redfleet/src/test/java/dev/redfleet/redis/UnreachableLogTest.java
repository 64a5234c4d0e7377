package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Issue 17 item 6: "still unreachable" once per interval for the whole process, not per activity or retry. */
class UnreachableLogTest {

  @Test
  void saysItOncePerIntervalForAllActivitiesAndStopsWhenRedisAnswers() {
    Logger logger = (Logger) LoggerFactory.getLogger("unreachable-test");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    AtomicLong now = new AtomicLong(5_000);
    UnreachableLog outages = new UnreachableLog(logger, 30_000, now::get);
    Object anchor = new Object();
    Object heartbeat = new Object();

    // two activities retrying every 2 s for 95 s
    for (int t = 0; t <= 95_000; t += 2_000) {
      now.set(5_000 + t);
      outages.failed(anchor, "anchor connection", "Connection refused");
      outages.failed(heartbeat, "heartbeat", "Connection refused");
    }
    assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
        "Redis still unreachable after 30 s (Connection refused); still retrying: anchor connection, heartbeat",
        "Redis still unreachable after 60 s (Connection refused); still retrying: anchor connection, heartbeat",
        "Redis still unreachable after 90 s (Connection refused); still retrying: anchor connection, heartbeat");

    // Redis answers both: the outage is over; a new one starts its count from zero
    outages.succeeded(anchor);
    outages.succeeded(heartbeat);
    now.addAndGet(1_000);
    assertThat(outages.failed(anchor, "anchor connection", "Connection reset")).isFalse();
    now.addAndGet(30_000);
    assertThat(outages.failed(anchor, "anchor connection", "Connection reset")).isTrue();
    assertThat(lines.list.get(3).getFormattedMessage()).startsWith("Redis still unreachable after 30 s (Connection reset)");
  }

  @Test
  void anActivityThatStoppedFailingLongAgoDoesNotStretchTheOutage() {
    Logger logger = (Logger) LoggerFactory.getLogger("unreachable-test-2");
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    AtomicLong now = new AtomicLong(0);
    UnreachableLog outages = new UnreachableLog(logger, 30_000, now::get);
    // an activity that failed once and was then undeployed, without a success
    outages.failed(new Object(), "observe poll", "timed out");
    now.set(600_000);
    Object anchor = new Object();
    assertThat(outages.failed(anchor, "anchor connection", "Connection refused")).isFalse();
    now.set(630_000);
    assertThat(outages.failed(anchor, "anchor connection", "Connection refused")).isTrue();
    assertThat(lines.list.get(0).getFormattedMessage())
        .isEqualTo("Redis still unreachable after 30 s (Connection refused); still retrying: anchor connection");
  }
}
