package dev.redfleet.cli;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.redfleet.config.Visible;

/**
 * Logback conversion words of {@code logback.xml} that print log lines with control characters
 * escaped ({@link Visible}): a log line that quotes something from outside (a leader value found
 * in Redis, a node id, a handler's exception message, a refused line) cannot send escape sequences
 * to the terminal or start a forged line of its own.
 */
public final class VisibleLog {
  private VisibleLog() {}

  /** {@code %vmsg}: the message, every control character escaped (line breaks too). */
  public static final class Message extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
      return Visible.escape(event.getFormattedMessage());
    }
  }

  /** {@code %vex}: the stack trace, its lines and tabs kept, every other control character escaped. */
  public static final class Trace extends ThrowableProxyConverter {
    @Override
    protected String throwableProxyToString(ch.qos.logback.classic.spi.IThrowableProxy proxy) {
      return Visible.escapeKeepingLines(super.throwableProxyToString(proxy));
    }
  }
}
