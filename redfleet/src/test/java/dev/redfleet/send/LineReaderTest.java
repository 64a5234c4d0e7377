package dev.redfleet.send;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How stdin becomes lines for {@code send}: exact text, strict UTF-8, bounded memory. */
class LineReaderTest {
  private static List<LineReader.Line> read(byte[] input, long maxBytes) throws IOException {
    LineReader reader = new LineReader(new ByteArrayInputStream(input), maxBytes);
    List<LineReader.Line> lines = new ArrayList<>();
    for (LineReader.Line line = reader.next(); line != null; line = reader.next()) {
      lines.add(line);
    }
    return lines;
  }

  private static List<LineReader.Line> read(String input, long maxBytes) throws IOException {
    return read(input.getBytes(StandardCharsets.UTF_8), maxBytes);
  }

  private static LineReader.Line ok(String text) {
    return new LineReader.Line(text, null);
  }

  @Test
  void linesEndWithNewlineOrCrlfTheLastMayHaveNoEndAndEmptyLinesCount() throws IOException {
    assertThat(read("a\r\n\nb c\n\r\nlast", 100)).containsExactly(ok("a"), ok(""), ok("b c"), ok(""), ok("last"));
    assertThat(read("only\n", 100)).containsExactly(ok("only"));
    assertThat(read("", 100)).isEmpty();
    assertThat(read("a\rb\n", 100)).as("a lone \\r is text").containsExactly(ok("a\rb"));
  }

  @Test
  void utf8IsDecodedStrictlyAndABadLineIsRefusedWithoutTouchingItsNeighbours() throws IOException {
    byte[] bad = {'o', 'k', '\n', 'b', (byte) 0xff, 'd', '\n', (byte) 0xc3, (byte) 0xa9, '\n'};
    assertThat(read(bad, 100)).containsExactly(ok("ok"), new LineReader.Line(null, "not valid UTF-8"), ok("é"));
  }

  @Test
  void aLineOverTheLimitIsRefusedWithItsLengthInBytesAndTheLimitItselfPasses() throws IOException {
    assertThat(read("12345\n123456\né\u00e9é\n1234\r\n", 5)).containsExactly(ok("12345"),
        new LineReader.Line(null, "body is 6 bytes, more than maxBodyBytes (5)"),
        new LineReader.Line(null, "body is 6 bytes, more than maxBodyBytes (5)"),
        ok("1234"));
    assertThat(read("12345\r\n", 5)).as("the \\r of a \\r\\n end is not counted").containsExactly(ok("12345"));
  }

  @Test
  void aHugeLineIsMeasuredWithoutBeingHeldAndLinesAcrossBufferBoundariesStayWhole() throws IOException {
    long huge = 50L * 1024 * 1024;
    InputStream endless = new InputStream() {
      long left = huge;

      @Override
      public int read() {
        return left-- > 0 ? 'x' : left == -1 ? '\n' : -1;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left < 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        java.util.Arrays.fill(b, off, off + n, (byte) 'x');
        left -= n;
        if (n < len) {
          b[off + n] = '\n';
          left = -1;
          n++;
        }
        return n;
      }
    };
    LineReader reader = new LineReader(endless, 1000);
    assertThat(reader.next()).isEqualTo(new LineReader.Line(null, "body is " + huge + " bytes, more than maxBodyBytes (1000)"));
    assertThat(reader.next()).isNull();

    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 30_000; i++) {
      many.append("line ").append(i).append(i % 7 == 0 ? "\r\n" : "\n");
    }
    List<LineReader.Line> lines = read(many.toString(), 100);
    assertThat(lines).hasSize(30_000);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).isEqualTo(ok("line " + i));
    }
  }
}
