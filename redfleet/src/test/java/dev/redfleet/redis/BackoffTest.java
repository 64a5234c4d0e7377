package dev.redfleet.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void aMessagelessClosedChannelIsNamedInWordsNotByItsJavaClass() {
    // what Netty hands the Redis client when the server dies mid-read: a subclass of
    // ClosedChannelException (StacklessClosedChannelException) with no message at all
    Throwable closed = new ClosedChannelException() {};
    assertThat(Backoff.oneLine(closed)).isEqualTo("connection closed");
    assertThat(Backoff.oneLine(new RuntimeException(null, new ConnectException()))).isEqualTo("connection refused");
  }

  @Test
  void theFirstMessageInTheCauseChainIsKeptToItsFirstLine() {
    Throwable t = new RuntimeException(null, new IllegalStateException("first line\nsecond line"));
    assertThat(Backoff.oneLine(t)).isEqualTo("first line");
    assertThat(Backoff.oneLine(new IllegalStateException())).isEqualTo("unexpected failure (IllegalStateException)");
  }
}
