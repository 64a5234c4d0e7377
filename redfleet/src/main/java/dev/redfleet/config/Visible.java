package dev.redfleet.config;

/**
 * Makes text from outside safe to print: every C0 control character (U+0000-U+001F, line breaks
 * and tabs included), DEL (U+007F) and every C1 control character (U+0080-U+009F) becomes the
 * visible escape <code>&#92;u001b</code>. A terminal then shows an escape sequence in a handler's reason, a
 * message body or a forged queue entry instead of obeying it (clearing the screen, setting the
 * window title, moving the cursor), and text cannot start a line of its own.
 *
 * <p>Inside a JSON string the escape is the same JSON value, so a JSON line stays the same JSON.
 * The text is otherwise unchanged; a backslash stays a backslash (so a literal <code>&#92;u001b</code>
 * typed into a body prints the same as an escaped ESC: the output is for people, not a reversible
 * encoding).
 */
public final class Visible {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Visible() {}

  /** Whether {@code c} is a C0 or C1 control character or DEL. */
  public static boolean isControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f);
  }

  /** {@code text} with every control character escaped; the same string when there is none. */
  public static String escape(String text) {
    return escape(text, false);
  }

  /**
   * {@code text} with every control character escaped except line feeds and tabs: for text whose
   * lines are its own structure (a stack trace).
   */
  public static String escapeKeepingLines(String text) {
    return escape(text, true);
  }

  private static String escape(String text, boolean keepLines) {
    if (text == null) {
      return null;
    }
    int first = -1;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isControl(c) && !(keepLines && (c == '\n' || c == '\t'))) {
        first = i;
        break;
      }
    }
    if (first < 0) {
      return text;
    }
    StringBuilder b = new StringBuilder(text.length() + 16);
    b.append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      if (isControl(c) && !(keepLines && (c == '\n' || c == '\t'))) {
        b.append("\\u00").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
