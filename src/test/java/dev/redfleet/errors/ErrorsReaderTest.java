package dev.redfleet.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.Waits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ErrorsReaderTest extends RedisTestBase {

  private void fill(int count) {
    redis.fillErrors(count);
  }

  private List<String> read(String reader, ErrorsReader.Options options) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    long printed = new ErrorsReader(redis.client(), redis.keys, reader).read(options, out);
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize((int) printed);
    return lines;
  }

  private static long id(String jsonLine) {
    return new io.vertx.core.json.JsonObject(jsonLine).getLong("id");
  }

  @Test
  void drainsEverythingOldestFirstAndLeavesNothingBehind() throws Exception {
    fill(1234);
    List<String> lines = read("r1", new ErrorsReader.Options(true, 0, false));
    assertThat(lines).hasSize(1234);
    assertThat(id(lines.get(0))).isEqualTo(1);
    assertThat(id(lines.get(1233))).isEqualTo(1234);
    assertThat(redis.number("LLEN", redis.keys.errors())).isZero();
    assertThat(redis.number("EXISTS", redis.keys.errorReading("r1"))).isZero();
    assertThat(redis.number("ZCARD", redis.keys.errorReaders())).isZero();
  }

  @Test
  void keepShowsWithoutDeletingAndLimitStopsEarly() throws Exception {
    fill(700);
    List<String> shown = read("r1", new ErrorsReader.Options(true, 600, true));
    assertThat(shown).hasSize(600);
    assertThat(id(shown.get(0))).isEqualTo(1);
    assertThat(id(shown.get(599))).isEqualTo(600);
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(700);

    List<String> taken = read("r1", new ErrorsReader.Options(true, 10, false));
    assertThat(taken).extracting(ErrorsReaderTest::id).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(690);
  }

  @Test
  void aBatchClaimedByAReaderThatDiedIsPrintedByTheNextReaderOnceItsLeaseRunsOut() throws Exception {
    fill(10);
    // a reader claims 4 entries and dies before acknowledging them
    redis.run(Script.ERRORS_CLAIM, List.of(redis.keys.errors(), redis.keys.errorReaders(), redis.keys.errorReading("dead")),
        List.of("dead", 4, 50));
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(6);
    Waits.pause(100);
    List<String> lines = read("r2", new ErrorsReader.Options(true, 0, false));
    assertThat(lines).extracting(ErrorsReaderTest::id).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(redis.number("EXISTS", redis.keys.errorReading("dead"))).isZero();
  }

  @Test
  void aReaderThatCannotWriteDeletesNothingAndItsBatchIsPrintedByTheNextReader() throws Exception {
    fill(1200);
    OutputStream broken = new OutputStream() {
      private int written;

      @Override
      public void write(int b) throws IOException {
        if (++written > 10_000) {
          throw new IOException("pipe closed");
        }
      }
    };
    PrintStream out = new PrintStream(broken, false, StandardCharsets.UTF_8);
    assertThatThrownBy(() -> new ErrorsReader(redis.client(), redis.keys, "broken", 50)
        .read(new ErrorsReader.Options(true, 0, false), out))
        .hasMessageContaining("could not write to standard output");
    // the batch being printed was not deleted
    assertThat(redis.number("LLEN", redis.keys.errorReading("broken"))).isEqualTo(ErrorsReader.BATCH);
    Waits.pause(100);
    List<String> lines = read("next", new ErrorsReader.Options(true, 0, false));
    assertThat(lines).extracting(ErrorsReaderTest::id).hasSize(1200).doesNotHaveDuplicates();
    assertThat(lines.get(0)).contains("\"id\":1,");
  }

  @Test
  void aLiveReadersBatchIsNotTakenFromIt() throws Exception {
    fill(10);
    redis.run(Script.ERRORS_CLAIM, List.of(redis.keys.errors(), redis.keys.errorReaders(), redis.keys.errorReading("busy")),
        List.of("busy", 4, 60_000));
    List<String> lines = read("r2", new ErrorsReader.Options(true, 0, false));
    assertThat(lines).extracting(ErrorsReaderTest::id).containsExactly(5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(redis.number("LLEN", redis.keys.errorReading("busy"))).isEqualTo(4);
  }

  @Test
  void twoConcurrentReadersPrintDisjointSetsThatTogetherAreEverything() throws Exception {
    fill(20_000);
    CompletableFuture<List<String>> a = CompletableFuture.supplyAsync(() -> quietly("a"));
    CompletableFuture<List<String>> b = CompletableFuture.supplyAsync(() -> quietly("b"));
    Set<Long> seenA = new HashSet<>();
    a.get().forEach(l -> seenA.add(id(l)));
    Set<Long> seenB = new HashSet<>();
    b.get().forEach(l -> seenB.add(id(l)));
    assertThat(seenA).hasSize(a.get().size());
    assertThat(seenB).hasSize(b.get().size());
    Set<Long> common = new HashSet<>(seenA);
    common.retainAll(seenB);
    assertThat(common).isEmpty();
    Set<Long> all = new HashSet<>(seenA);
    all.addAll(seenB);
    assertThat(all).hasSize(20_000);
    assertThat(redis.number("LLEN", redis.keys.errors())).isZero();
  }

  private List<String> quietly(String reader) {
    try {
      return read(reader, new ErrorsReader.Options(true, 0, false));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void humanLinesSayWhatFailedWhereAndWhen() {
    String line = ErrorsReader.format(
        "{\"id\":42,\"epoch\":3,\"body\":\"abc\",\"error\":\"boom\",\"node\":\"n1\",\"at\":0}", false);
    assertThat(line).isEqualTo("1970-01-01T00:00:00Z  #42  epoch=3  node=n1  error=boom  body=abc");
    String malformed = ErrorsReader.format(
        "{\"error\":\"malformed\",\"raw\":\"garbage\",\"node\":\"n1\",\"at\":0}", false);
    assertThat(malformed).isEqualTo("1970-01-01T00:00:00Z  malformed  node=n1  raw=garbage");
    assertThat(ErrorsReader.format("not json", false)).isEqualTo("unreadable entry: not json");
  }
}
