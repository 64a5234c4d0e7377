package dev.redfleet.send;

/** JSON string literals for the key and headers of the message tails the scripts store, written without a JSON library. */
public final class JsonText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonText() {}

  /** {@code text} as a JSON string literal, quotes included; non-ASCII stays as it is (UTF-8 on the wire). */
  public static String quote(String text) {
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\' || c < 0x20) {
        break;
      }
      i++;
    }
    if (i == n) {
      return '"' + text + '"';
    }
    StringBuilder out = new StringBuilder(n + 16).append('"').append(text, 0, i);
    for (; i < n; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 15]);
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /** How many bytes {@code text} takes in UTF-8 as Java encodes it (an unpaired surrogate becomes '?'). */
  public static long utf8Length(CharSequence text) {
    long bytes = 0;
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        // unpaired: Java's UTF-8 encoder (the Redis client's) writes it as '?', one byte
        bytes++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
