package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HandlerPaceTest {
  private static final long MICRO = TimeUnit.MICROSECONDS.toNanos(1);
  private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

  private static void took(HandlerPace pace, int answers, long nanos) {
    for (int i = 0; i < answers; i++) {
      pace.took(nanos);
    }
  }

  @Test
  void aWorkerThatKnowsNothingOfItsHandlerTakesItForSlow() {
    assertThat(new HandlerPace().quick()).isFalse();
  }

  @Test
  void aFewQuickAnswersAreNotEnough() {
    HandlerPace pace = new HandlerPace();
    // the answers that come at once come first: a slow handler's first draws may be 0 ms
    took(pace, HandlerPace.FIRST_ANSWERS - 1, 5 * MICRO);
    assertThat(pace.quick()).isFalse();
    pace.took(5 * MICRO);
    assertThat(pace.quick()).isTrue();
  }

  @Test
  void handlersThatAnswerInMicrosecondsAreQuick() {
    HandlerPace pace = new HandlerPace();
    took(pace, 100, 5 * MICRO);
    assertThat(pace.quick()).isTrue();
  }

  @Test
  void handlersThatTakeMillisecondsAreNot() {
    HandlerPace pace = new HandlerPace();
    took(pace, 100, 20 * MILLI);
    assertThat(pace.quick()).isFalse();
  }

  @Test
  void theMeanFollowsAHandlerThatSlowsDownAndRecovers() {
    HandlerPace pace = new HandlerPace();
    took(pace, 100, 5 * MICRO);
    // one slow answer among quick ones weighs a sixteenth: 200 us lifts the mean by about 12 us
    pace.took(200 * MICRO);
    assertThat(pace.quick()).isTrue();
    // a handler that now takes 10 ms is slow within a few answers
    took(pace, 3, 10 * MILLI);
    assertThat(pace.quick()).isFalse();
    // and quick again once its answers are quick for a while
    took(pace, 200, 5 * MICRO);
    assertThat(pace.quick()).isTrue();
  }

  @Test
  void aTimedOutHandlerCountsAsSlow() {
    HandlerPace pace = new HandlerPace();
    took(pace, 100, 5 * MICRO);
    // a timeout is recorded with the time it ran (30 s by default)
    pace.took(30_000 * MILLI);
    assertThat(pace.quick()).isFalse();
  }

  /** Slow (outcomes may linger: OutcomeRecorder) from a mean of 20 ms, after the first answers. */
  @Test
  void handlersOfTwentyMillisecondsOrMoreAreSlowOnceKnown() {
    HandlerPace pace = new HandlerPace();
    assertThat(pace.slow()).as("nothing known yet").isFalse();
    took(pace, HandlerPace.FIRST_ANSWERS - 1, 500 * MILLI);
    assertThat(pace.slow()).as("too few answers").isFalse();
    pace.took(500 * MILLI);
    assertThat(pace.slow()).isTrue();
    HandlerPace middling = new HandlerPace();
    took(middling, 100, 19 * MILLI);
    assertThat(middling.slow()).isFalse();
    assertThat(middling.quick()).isFalse();
    took(middling, 100, 21 * MILLI);
    assertThat(middling.slow()).isTrue();
  }
}
