package dev.redfleet.send;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into UTF-8 lines (ends {@code \n} or {@code \r\n}; a last line without an
 * end counts), strictly: a line that is not valid UTF-8, or longer than a bound, is returned as
 * refused with its reason instead of being altered. A line over the bound is skipped without being
 * held in memory, so no input can run the process out of memory.
 */
public final class LineReader {
  /** One line: its text, or why it cannot be a message ({@code text} is then null). */
  public record Line(String text, String refused) {}

  private final InputStream in;
  private final long maxBytes;
  private final byte[] buffer = new byte[1 << 16];
  private int pos;
  private int end;
  private boolean eof;
  private byte[] line = new byte[1024];
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);

  /** @param maxBytes the longest line accepted, in bytes without its end */
  public LineReader(InputStream in, long maxBytes) {
    this.in = in;
    this.maxBytes = maxBytes;
  }

  /** The next line, or null at the end of the input. Blocks while the input has nothing to give. */
  public Line next() throws IOException {
    int kept = 0;
    long length = 0;
    boolean ascii = true;
    boolean any = false;
    byte last = 0;
    while (true) {
      if (pos == end && !fill()) {
        if (!any) {
          return null;
        }
        break;
      }
      any = true;
      int newline = -1;
      for (int i = pos; i < end; i++) {
        byte b = buffer[i];
        if (b == '\n') {
          newline = i;
          break;
        }
        ascii &= b >= 0;
      }
      int stop = newline < 0 ? end : newline;
      int n = stop - pos;
      if (n > 0) {
        last = buffer[stop - 1];
        // keep one byte more than the bound: it may be the \r of a \r\n end
        int keep = (int) Math.min(n, Math.max(0, maxBytes + 1 - kept));
        if (keep > 0) {
          if (kept + keep > line.length) {
            line = Arrays.copyOf(line, (int) Math.min(Math.max(line.length * 2L, kept + keep), maxBytes + 1));
          }
          System.arraycopy(buffer, pos, line, kept, keep);
          kept += keep;
        }
        length += n;
      }
      pos = newline < 0 ? end : newline + 1;
      if (newline >= 0) {
        break;
      }
    }
    if (length > 0 && last == '\r') {
      length--;
      kept = (int) Math.min(kept, length);
    }
    if (length > maxBytes) {
      return new Line(null, "body is " + length + " bytes, more than maxBodyBytes (" + maxBytes + ")");
    }
    if (ascii) {
      return new Line(new String(line, 0, kept, StandardCharsets.ISO_8859_1), null);
    }
    try {
      return new Line(decoder.decode(ByteBuffer.wrap(line, 0, kept)).toString(), null);
    } catch (CharacterCodingException e) {
      return new Line(null, "not valid UTF-8");
    }
  }

  /**
   * Whether {@link #next()} has bytes to read without waiting for the input: false when a pipe is
   * momentarily empty (the writer is slower than we are) or at its end.
   */
  public boolean ready() throws IOException {
    return pos < end || (!eof && in.available() > 0);
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int n = in.read(buffer, 0, buffer.length);
    if (n <= 0) {
      eof = n < 0;
      return !eof && fill();
    }
    pos = 0;
    end = n;
    return true;
  }
}
