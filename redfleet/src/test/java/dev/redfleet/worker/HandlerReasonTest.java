package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.HandlerFailure;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A failed answer's reason, as the errors list gets it: one line, trimmed, at most 200 characters. */
class HandlerReasonTest {

  /** The fast path (no regular expression when nothing changes) gives what the regular expression gives. */
  @Test
  void aReasonIsOneTrimmedLineWhateverItsWhitespace() {
    List<String> texts = List.of("boom", "disk full", "a  b", " lead", "trail ", "line\nbreak", "tab\tx", "cr\r\nlf",
        "vt\u000Bff\f", "\u0001control at the ends\u0002", "   ", "x", "two  spaces  twice", "\n");
    for (String text : texts) {
      assertThat(HandlerRuns.oneLine(text)).as(text).isEqualTo(text.replaceAll("\\s+", " ").trim());
    }
    assertThat(HandlerRuns.oneLine("line\nbreak")).isEqualTo("line break");
    assertThat(HandlerRuns.oneLine("disk full")).isEqualTo("disk full");
  }

  @Test
  void aGivenReasonIsKeptAndAnExceptionNamesItsClass() {
    assertThat(HandlerRuns.reason(new HandlerFailure("out of\n stock"))).isEqualTo("out of stock");
    assertThat(HandlerRuns.reason(new IllegalStateException("boom"))).isEqualTo("exception: java.lang.IllegalStateException: boom");
    assertThat(HandlerRuns.reason(new HandlerFailure("malformed"))).isEqualTo("handler: malformed");
    assertThat(HandlerRuns.reason(new HandlerFailure("x".repeat(500)))).hasSize(200);
  }
}
