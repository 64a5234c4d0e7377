package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.metrics.NodeMetrics;
import io.vertx.core.Promise;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The running deliveries of one worker: each gets exactly one outcome (its answer, or a timeout),
 * an answer after the timeout counts for nothing, and answered deliveries do not pile up behind a
 * long-running one. No Redis: HandlerRuns only turns answers into outcomes.
 */
class HandlerRunsTest {
  private final Map<Integer, Promise<Void>> answers = new HashMap<>();
  private final List<String> outcomes = new ArrayList<>();

  private HandlerRuns runs(long timeoutMs) {
    return new HandlerRuns(message -> {
      Promise<Void> answer = Promise.promise();
      answers.put((int) message.id(), answer);
      return answer.future();
    }, new WorkerActivity(), NodeMetrics.OFF, new PickupLatency(null, 0), timeoutMs,
        (token, index, attempt, outcome) -> outcomes.add(token + "|" + index + "=" + outcome));
  }

  private static byte[] entry(long id) {
    return (id + ":1:0:1:0:0:body").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void answeredDeliveriesBehindOneLongRunningHandlerAreDroppedAndEachGetsOneOutcome() {
    HandlerRuns runs = runs(60_000);
    runs.handle(entry(1), null, "t", 1, 0);
    for (int i = 2; i <= 50_000; i++) {
      runs.handle(entry(i), null, "t", i, 0);
      answers.remove(i).complete();
    }
    assertThat(runs.size()).isEqualTo(1);
    // the long handler holds the front of the start order: what is kept behind it stays bounded
    assertThat(runs.tracked()).isLessThanOrEqualTo(4 * runs.size() + 4096);
    assertThat(outcomes).hasSize(49_999).doesNotHaveDuplicates();
    answers.remove(1).fail("slow");
    assertThat(runs.isEmpty()).isTrue();
    assertThat(runs.tracked()).isZero();
    assertThat(outcomes).hasSize(50_000).contains("t|1=slow");
  }

  @Test
  void aTimedOutDeliveryIsFailedOnceAndItsLateAnswerCountsForNothing() throws InterruptedException {
    HandlerRuns runs = runs(1);
    runs.handle(entry(1), null, "t", 1, 0);
    runs.handle(entry(2), null, "t", 2, 0);
    answers.remove(2).complete();
    Thread.sleep(5);
    runs.sweepTimeouts();
    assertThat(outcomes).containsExactly("t|2=", "t|1=timeout");
    answers.remove(1).complete();
    runs.sweepTimeouts();
    assertThat(outcomes).containsExactly("t|2=", "t|1=timeout");
    assertThat(runs.isEmpty()).isTrue();
  }

  @Test
  void theSweepStopsAtTheFirstDeliveryStillWithinItsTime() throws InterruptedException {
    HandlerRuns runs = runs(200);
    runs.handle(entry(1), null, "t", 1, 0);
    Thread.sleep(250);
    runs.handle(entry(2), null, "t", 2, 0);
    runs.sweepTimeouts();
    assertThat(outcomes).containsExactly("t|1=timeout");
    assertThat(runs.size()).isEqualTo(1);
    answers.remove(2).complete();
    assertThat(outcomes).containsExactly("t|1=timeout", "t|2=");
  }
}
