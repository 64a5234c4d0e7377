package dev.redfleet.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which nodes count as running another handler, and what the warning says. */
class HandlerMismatchTest {
  private static final long STALE_MS = 1500;

  @Test
  void onlyLiveNodesWithAnotherRecordedHandlerCount() {
    Map<String, Double> heartbeats = Map.of("self", 10_000.0, "same", 9_900.0, "other", 9_000.0, "silent", 8_000.0,
        "unrecorded", 10_000.0);
    Map<String, String> handlers = Map.of("self", "simulated", "same", "simulated", "other", "com.acme.Recorder",
        "silent", "recorder", "gone", "recorder");
    assertThat(HandlerMismatch.others("self", "simulated", heartbeats, handlers, STALE_MS))
        .containsExactly(new HandlerMismatch.Other("other", "com.acme.Recorder"));
    // this node's own heartbeat not seen yet: nothing to compare against
    assertThat(HandlerMismatch.others("new", "simulated", heartbeats, handlers, STALE_MS)).isEmpty();
    assertThat(HandlerMismatch.forgotten(heartbeats, handlers)).containsExactly("gone");
  }

  @Test
  void theWarningNamesBothNodesAndHandlersWithControlCharactersEscaped() {
    String line = HandlerMismatch.warning("n1", "simulated", "ns",
        List.of(new HandlerMismatch.Other("n2", "recorder"), new HandlerMismatch.Other("n3\u001b[2J", "x")));
    assertThat(line).startsWith("node n1 runs handler 'simulated', but live node(s) n2 run(s) handler 'recorder', "
        + "n3\\u001b[2J run(s) handler 'x' in namespace 'ns'").doesNotContain("\u001b");
  }
}
