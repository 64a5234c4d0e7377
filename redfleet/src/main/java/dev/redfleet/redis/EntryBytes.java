package dev.redfleet.redis;

/**
 * A queue entry read from its bytes, as Redis sent them: every entry the scripts write starts with
 * {@code <id>:<epoch>:} (lua/lib/entry.lua has the whole layout). The worker reads a claimed
 * message this way (one UTF-8 decode, of the body only), and the floors read each claimed message's
 * id and epoch. ASCII digits only, like the claim script's {@code %d}.
 */
public final class EntryBytes {
  private EntryBytes() {}

  /** Where the run of ASCII digits starting at {@code from} ends. */
  public static int digitsEnd(byte[] raw, int from) {
    int end = from;
    while (end < raw.length && raw[end] >= '0' && raw[end] <= '9') {
      end++;
    }
    return end;
  }

  /** The value of the 1 to 18 ASCII digits in [from, to), or -1 for none or more. */
  public static long value(byte[] raw, int from, int to) {
    if (to <= from || to - from > 18) {
      return -1;
    }
    long n = 0;
    for (int i = from; i < to; i++) {
      n = n * 10 + (raw[i] - '0');
    }
    return n;
  }

  /**
   * The id and epoch an entry starts with ({@code <id>:<epoch>:}); -1 for what is not in that form
   * (the epoch -1 alone when it has no digits).
   */
  public static long[] idAndEpoch(byte[] raw) {
    int idEnd = digitsEnd(raw, 0);
    long id = value(raw, 0, idEnd);
    if (id < 0 || idEnd >= raw.length || raw[idEnd] != ':') {
      return new long[] {-1, -1};
    }
    int start = idEnd + 1;
    return new long[] {id, value(raw, start, Math.min(digitsEnd(raw, start), start + 18))};
  }
}
