package dev.redfleet.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.api.SourceBatch;
import dev.redfleet.api.SourceItem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lines source's cursor (a byte offset after the last complete line) against real files. */
class LinesSourceTest {
  @TempDir
  Path dir;

  private Path file(String content) throws IOException {
    return Files.writeString(dir.resolve("in.txt"), content, StandardCharsets.UTF_8);
  }

  private static void append(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
  }

  private static List<String> bodies(SourceBatch batch) {
    return batch.items().stream().map(SourceItem::body).toList();
  }

  @Test
  void aLineIsEmittedOnlyWithItsNewlineAndTheCursorIsTheByteOffsetAfterIt() throws Exception {
    Path file = file("alpha\nbéta\npart");
    LinesSource source = new LinesSource(file, 1000);
    SourceBatch batch = source.next(null, 10);
    assertThat(bodies(batch)).containsExactly("alpha", "béta");
    // "béta" is 5 bytes in UTF-8: 6 + 6 bytes with the newlines
    assertThat(batch.cursor()).isEqualTo("12");
    // the partial last line waits for its newline
    SourceBatch waiting = source.next("12", 10);
    assertThat(waiting.items()).isEmpty();
    assertThat(waiting.cursor()).isNull();
    append(file, "ial\n");
    SourceBatch completed = source.next("12", 10);
    assertThat(bodies(completed)).containsExactly("partial");
    assertThat(completed.cursor()).isEqualTo(Long.toString(Files.size(file)));
    assertThat(source.next(completed.cursor(), 10).items()).isEmpty();
  }

  @Test
  void theSameCursorGivesTheSameLinesAndASmallerMaxAPrefix() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 1; i <= 1000; i++) {
      text.append("line-").append(i).append('\n');
    }
    Path file = file(text.toString());
    LinesSource source = new LinesSource(file, 1000);
    SourceBatch first = source.next(null, 300);
    assertThat(first.items()).hasSize(300);
    assertThat(source.next(null, 300)).isEqualTo(first);
    SourceBatch prefix = source.next(null, 7);
    assertThat(bodies(prefix)).isEqualTo(bodies(first).subList(0, 7));
    // reading on from each cursor covers every line once, in order, whatever the batch sizes
    List<String> all = new ArrayList<>();
    String cursor = null;
    int[] sizes = {1, 999, 13, 500, 64};
    for (int i = 0; ; i++) {
      SourceBatch batch = source.next(cursor, sizes[i % sizes.length]);
      if (batch.items().isEmpty()) {
        break;
      }
      all.addAll(bodies(batch));
      cursor = batch.cursor();
    }
    assertThat(all).hasSize(1000).startsWith("line-1").endsWith("line-1000").doesNotHaveDuplicates();
    assertThat(cursor).isEqualTo(Long.toString(Files.size(file)));
  }

  @Test
  void crlfEndingsEmptyLinesAndBadBytes() throws Exception {
    Path file = dir.resolve("in.txt");
    Files.write(file, new byte[] {'a', '\r', '\n', '\n', 'b', (byte) 0xff, 'c', '\n'});
    SourceBatch batch = new LinesSource(file, 1000).next(null, 10);
    assertThat(bodies(batch)).containsExactly("a", "", "b\uFFFDc");
    assertThat(batch.cursor()).isEqualTo("8");
  }

  @Test
  void aLineLongerThanMaxBodyBytesIsSkippedAndTheCursorMovesPastIt() throws Exception {
    Path file = file("short\n" + "x".repeat(50) + "\nafter\n");
    LinesSource source = new LinesSource(file, 10);
    SourceBatch batch = source.next(null, 10);
    assertThat(bodies(batch)).containsExactly("short", "after");
    assertThat(batch.cursor()).isEqualTo(Long.toString(Files.size(file)));
    // only the long line left: no item, but the cursor moves (committed without a message)
    SourceBatch skipped = source.next("6", 10);
    assertThat(bodies(skipped)).containsExactly("after");
    Path onlyLong = Files.writeString(dir.resolve("long.txt"), "y".repeat(50) + "\n");
    SourceBatch nothing = new LinesSource(onlyLong, 10).next(null, 10);
    assertThat(nothing.items()).isEmpty();
    assertThat(nothing.cursor()).isEqualTo("51");
  }

  @Test
  void aTruncatedFileIsWaitedForAndNothingBeforeTheCursorComesAgain() throws Exception {
    Path file = file("one\ntwo\nthree\n");
    LinesSource source = new LinesSource(file, 1000);
    String cursor = source.next(null, 10).cursor();
    assertThat(cursor).isEqualTo("14");
    // truncated (log rotation by copytruncate): shorter than the cursor, nothing is emitted
    Files.writeString(file, "new\n");
    SourceBatch batch = source.next(cursor, 10);
    assertThat(batch.items()).isEmpty();
    assertThat(batch.cursor()).isNull();
    // it grows past the cursor, but the cursor now falls inside a line: emission goes on at the next line start
    append(file, "0123456789\nnext\n");
    SourceBatch realigned = source.next(cursor, 10);
    assertThat(realigned.items()).isEmpty();
    assertThat(realigned.cursor()).isEqualTo("15");
    assertThat(bodies(source.next("15", 10))).containsExactly("next");
  }

  @Test
  void aMissingFileIsWaitedForAndABadCursorIsRefused() throws Exception {
    Path file = file("one\n");
    LinesSource source = new LinesSource(file, 1000);
    Files.delete(file);
    assertThat(source.next(null, 10).items()).isEmpty();
    file("one\ntwo\n");
    assertThat(bodies(source.next("4", 10))).containsExactly("two");
    assertThatThrownBy(() -> source.next("2026-01-01T00:00:00Z", 10))
        .hasMessageContaining("is not a byte offset").hasMessageContaining("source:cursor");
    assertThatThrownBy(() -> source.next("-1", 10)).hasMessageContaining("is not a byte offset");
  }

  @Test
  void aBatchStopsAtMaxBatchBytes() throws Exception {
    int lineBytes = 100_000;
    StringBuilder text = new StringBuilder();
    int lines = LinesSource.MAX_BATCH_BYTES / lineBytes + 5;
    for (int i = 0; i < lines; i++) {
      text.append("z".repeat(lineBytes - 1)).append('\n');
    }
    Path file = file(text.toString());
    SourceBatch batch = new LinesSource(file, 1_048_576).next(null, 10_000);
    assertThat(batch.items()).hasSize(LinesSource.MAX_BATCH_BYTES / (lineBytes - 1) + 1);
    assertThat(Long.parseLong(batch.cursor())).isEqualTo((long) batch.items().size() * lineBytes);
  }
}
