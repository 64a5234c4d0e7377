package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HandlerPaceTest {
  private static final long MICRO = TimeUnit.MICROSECONDS.toNanos(1);
  private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void aWorkerThatKnowsNothingOfItsHandlerTakesItForSlow() {
    assertThat(new HandlerPace().quick()).isFalse();
  }

  @Test
  void handlersThatAnswerInMicrosecondsAreQuick() {
    HandlerPace pace = new HandlerPace();
    for (int i = 0; i < 100; i++) {
      pace.took(5 * MICRO);
    }
    assertThat(pace.quick()).isTrue();
  }

  @Test
  void handlersThatTakeMillisecondsAreNot() {
    HandlerPace pace = new HandlerPace();
    for (int i = 0; i < 100; i++) {
      pace.took(20 * MILLI);
    }
    assertThat(pace.quick()).isFalse();
  }

  @Test
  void theMeanFollowsAHandlerThatSlowsDownAndRecovers() {
    HandlerPace pace = new HandlerPace();
    for (int i = 0; i < 100; i++) {
      pace.took(5 * MICRO);
    }
    // one slow answer among quick ones weighs a sixteenth: 200 us lifts the mean by about 12 us
    pace.took(200 * MICRO);
    assertThat(pace.quick()).isTrue();
    // a handler that now takes 10 ms is slow within a few answers
    for (int i = 0; i < 3; i++) {
      pace.took(10 * MILLI);
    }
    assertThat(pace.quick()).isFalse();
    // and quick again once its answers are quick for a while
    for (int i = 0; i < 200; i++) {
      pace.took(5 * MICRO);
    }
    assertThat(pace.quick()).isTrue();
  }

  @Test
  void aTimedOutHandlerCountsAsSlow() {
    HandlerPace pace = new HandlerPace();
    for (int i = 0; i < 100; i++) {
      pace.took(5 * MICRO);
    }
    // a timeout is recorded with the time it ran (30 s by default)
    pace.took(30_000 * MILLI);
    assertThat(pace.quick()).isFalse();
  }
}
