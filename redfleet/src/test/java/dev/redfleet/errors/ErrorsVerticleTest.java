package dev.redfleet.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.Script;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ErrorsVerticleTest extends RedisTestBase {

  private void fill(int count) {
    redis.fillErrors(count);
  }

  private List<String> read(String reader, ErrorsVerticle.Options options) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long printed = run(reader, options, bytes);
    List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize((int) printed);
    return lines;
  }

  /** Deploys a one-shot ErrorsVerticle, waits for it to complete, undeploys it. */
  private long run(String reader, ErrorsVerticle.Options options, OutputStream out) throws Exception {
    ErrorsVerticle verticle = new ErrorsVerticle(redis.client(), redis.keys, reader, options, new ErrorsOutput(out));
    String id = TestRedis.await(redis.vertx().deployVerticle(verticle));
    try {
      return verticle.done().await(Duration.ofSeconds(60));
    } finally {
      TestRedis.await(redis.vertx().undeploy(id));
    }
  }

  private static long id(String jsonLine) {
    return new io.vertx.core.json.JsonObject(jsonLine).getLong("id");
  }

  @Test
  void drainsEverythingOldestFirstAndLeavesNothingBehind() throws Exception {
    fill(1234);
    List<String> lines = read("r1", new ErrorsVerticle.Options(true, 0, false));
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
    List<String> shown = read("r1", new ErrorsVerticle.Options(true, 600, true));
    assertThat(shown).hasSize(600);
    assertThat(id(shown.get(0))).isEqualTo(1);
    assertThat(id(shown.get(599))).isEqualTo(600);
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(700);

    List<String> taken = read("r1", new ErrorsVerticle.Options(true, 10, false));
    assertThat(taken).extracting(ErrorsVerticleTest::id).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
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
    List<String> lines = read("r2", new ErrorsVerticle.Options(true, 0, false));
    assertThat(lines).extracting(ErrorsVerticleTest::id).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(redis.number("EXISTS", redis.keys.errorReading("dead"))).isZero();
  }

  @Test
  void aReaderThatCannotWriteDeletesOnlyWhatItWroteAndHandsTheRestBackAtOnce() throws Exception {
    fill(1200);
    OutputStream broken = new OutputStream() {
      private int written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (written + len > 10_000) {
          throw new IOException("Broken pipe");
        }
        written += len;
      }
    };
    assertThatThrownBy(() -> run("broken", new ErrorsVerticle.Options(true, 0, false, 60_000), broken))
        .isInstanceOf(ErrorsVerticle.OutputClosed.class)
        .hasMessageContaining("standard output closed (Broken pipe)");
    // only whole chunks that were written are gone; the rest is back in the errors list at once
    long left = redis.number("LLEN", redis.keys.errors());
    long deleted = 1200 - left;
    System.out.println("FIGURE broken output after 10,000 bytes: " + deleted + " of 1200 entries deleted, " + left + " left");
    assertThat(deleted).isPositive().isLessThan(200);
    assertThat(deleted % ErrorsOutput.CHUNK_LINES).as("only whole written chunks count").isZero();
    assertThat(redis.number("EXISTS", redis.keys.errorReading("broken"))).isZero();
    List<String> lines = read("next", new ErrorsVerticle.Options(true, 0, false));
    assertThat(lines).hasSize((int) left).extracting(ErrorsVerticleTest::id).doesNotHaveDuplicates();
    assertThat(id(lines.get(0))).isEqualTo(1200 - left + 1);
  }

  @Test
  void aLiveReaderBlockedOnASlowConsumerKeepsItsLease() throws Exception {
    fill(5000);
    Path file = Files.createTempFile("slow-consumer", ".txt");
    // a real slow consumer: a process that reads nothing for 4 s (the pipe fills, the reader blocks)
    Process consumer = new ProcessBuilder("sh", "-c", "sleep 4; cat > " + file).start();
    try {
      CompletableFuture<Long> slow = CompletableFuture.supplyAsync(() -> {
        try {
          return run("slow", new ErrorsVerticle.Options(true, 0, false, 1000), consumer.getOutputStream());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // more than twice the lease: without renewal, this reader would take the slow one's batch
      Waits.pause(2500);
      List<String> second = read("second", new ErrorsVerticle.Options(true, 0, false, 1000));
      long first = slow.get(60, TimeUnit.SECONDS);
      consumer.getOutputStream().close();
      assertThat(consumer.waitFor(30, TimeUnit.SECONDS)).isTrue();
      List<String> firstLines = Files.readAllLines(file);
      assertThat(firstLines).hasSize((int) first);
      Set<Long> a = new HashSet<>();
      firstLines.forEach(l -> a.add(id(l)));
      Set<Long> b = new HashSet<>();
      second.forEach(l -> b.add(id(l)));
      Set<Long> both = new HashSet<>(a);
      both.retainAll(b);
      System.out.println("FIGURE slow consumer: first reader " + a.size() + ", second " + b.size() + ", printed by both " + both.size());
      assertThat(both).as("printed by both readers").isEmpty();
      a.addAll(b);
      assertThat(a).hasSize(5000);
      assertThat(redis.number("LLEN", redis.keys.errors())).isZero();
    } finally {
      consumer.destroyForcibly();
      Files.deleteIfExists(file);
    }
  }

  @Test
  void aLiveReadersBatchIsNotTakenFromIt() throws Exception {
    fill(10);
    redis.run(Script.ERRORS_CLAIM, List.of(redis.keys.errors(), redis.keys.errorReaders(), redis.keys.errorReading("busy")),
        List.of("busy", 4, 60_000));
    List<String> lines = read("r2", new ErrorsVerticle.Options(true, 0, false));
    assertThat(lines).extracting(ErrorsVerticleTest::id).containsExactly(5L, 6L, 7L, 8L, 9L, 10L);
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
      return read(reader, new ErrorsVerticle.Options(true, 0, false));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void humanLinesSayWhatFailedWhereAndWhen() {
    String line = ErrorsVerticle.format(
        "{\"id\":42,\"epoch\":3,\"ts\":0,\"body\":\"abc\",\"error\":\"boom\",\"node\":\"n1\",\"at\":0}", false);
    assertThat(line).isEqualTo("1970-01-01T00:00:00Z  #42  epoch=3  node=n1  error=boom  body=abc");
    String malformed = ErrorsVerticle.format(
        "{\"error\":\"malformed\",\"raw\":\"garbage\",\"node\":\"n1\",\"at\":0}", false);
    assertThat(malformed).isEqualTo("1970-01-01T00:00:00Z  malformed  node=n1  raw=garbage");
    assertThat(ErrorsVerticle.format("not json", false)).isEqualTo("unreadable entry: not json");
  }

  /** Issue 15 section 6: reasons, bodies, node ids and raw entries carrying terminal control sequences. */
  @Test
  void controlCharactersInEntriesArePrintedAsVisibleEscapesInBothFormats() throws Exception {
    // as finish and claim store them (cjson escapes C0 but writes DEL and C1 as they are; a
    // malformed entry's raw is the entry byte for byte, here one whose meta length is no number,
    // lua/lib/entry.lua), and one pushed by hand, raw bytes and all
    List<String> stored = List.of(
        "{\"id\":7,\"epoch\":1,\"ts\":0,\"body\":\"\\u001b]0;owned\\u0007x\",\"error\":\"\\u001b[2J\\u001b[Hcleared\","
            + "\"node\":\"n\u009b1\",\"at\":0}",
        "{\"error\":\"malformed\",\"raw\":\"5:1:0:1:0:x:\\u001b[31mred\\u0007\",\"node\":\"n\u007f\",\"at\":0}",
        "not json \u001b[2J\u0007 \u009b1m \u007f end");
    for (String entry : stored) {
      redis.call("LPUSH", redis.keys.errors(), entry);
    }

    List<String> plain = read("plain-reader", new ErrorsVerticle.Options(false, 0, true));
    assertThat(plain).hasSize(3);
    for (String line : plain) {
      assertThat(line.chars().filter(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)).toArray()).as(line).isEmpty();
    }
    assertThat(plain.get(0)).isEqualTo("1970-01-01T00:00:00Z  #7  epoch=1  node=n\\u009b1  error=\\u001b[2J\\u001b[Hcleared"
        + "  body=\\u001b]0;owned\\u0007x");
    assertThat(plain.get(1)).isEqualTo("1970-01-01T00:00:00Z  malformed  node=n\\u007f  raw=5:1:0:1:0:x:\\u001b[31mred\\u0007");
    assertThat(plain.get(2)).isEqualTo("unreadable entry: not json \\u001b[2J\\u0007 \\u009b1m \\u007f end");

    List<String> json = read("json-reader", new ErrorsVerticle.Options(true, 0, true));
    assertThat(json).hasSize(3);
    for (int i = 0; i < json.size(); i++) {
      String line = json.get(i);
      assertThat(line.chars().filter(c -> c < 0x20 || (c >= 0x7f && c <= 0x9f)).toArray()).as(line).isEmpty();
      if (i < 2) {
        assertThat(new io.vertx.core.json.JsonObject(line)).as("the same JSON").isEqualTo(new io.vertx.core.json.JsonObject(stored.get(i)));
      }
    }
  }
}
