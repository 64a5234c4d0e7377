package dev.redfleet.errors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Entries;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** getErrors as real processes: two at once print disjoint sets that together are everything. */
class GetErrorsIT extends RedisTestBase {
  private static final int ENTRIES = 30_000;

  @BeforeEach
  void fill() {
    redis.fillErrors(ENTRIES);
  }

  @Test
  void twoConcurrentReadersNeverPrintTheSameErrorAndTogetherPrintAll() throws Exception {
    List<String> command = List.of("getErrors", "--json", "--redis", server.url(), "--namespace", "test");
    CompletableFuture<FleetProcess.Result> a = CompletableFuture.supplyAsync(() -> FleetProcess.oneShot(command));
    CompletableFuture<FleetProcess.Result> b = CompletableFuture.supplyAsync(() -> FleetProcess.oneShot(command));
    Set<Long> fromA = ids(a.get());
    Set<Long> fromB = ids(b.get());
    System.out.println("FIGURE concurrent getErrors: reader A printed " + fromA.size() + ", reader B " + fromB.size());
    Set<Long> both = new HashSet<>(fromA);
    both.retainAll(fromB);
    assertThat(both).isEmpty();
    Set<Long> all = new HashSet<>(fromA);
    all.addAll(fromB);
    assertThat(all).hasSize(ENTRIES);
    assertThat(redis.number("LLEN", redis.keys.errors())).isZero();

    FleetProcess.Result again = FleetProcess.oneShot(command);
    assertThat(again.exitCode()).isZero();
    assertThat(again.lines()).isEmpty();
  }

  @Test
  void twoReadersSharingANodeIdStillNeverPrintTheSameError() throws Exception {
    // before: the reader id was "reader-" + nodeId, so both used one reading list
    Path config = Files.createTempFile("shared-node-id", ".json");
    Files.writeString(config, "{\"nodeId\": \"same-node\"}");
    List<String> command = List.of("getErrors", "--json", "--redis", server.url(), "--namespace", "test",
        "--config", config.toString());
    CompletableFuture<FleetProcess.Result> a = CompletableFuture.supplyAsync(() -> FleetProcess.oneShot(command));
    CompletableFuture<FleetProcess.Result> b = CompletableFuture.supplyAsync(() -> FleetProcess.oneShot(command));
    Set<Long> fromA = ids(a.get());
    Set<Long> fromB = ids(b.get());
    Set<Long> both = new HashSet<>(fromA);
    both.retainAll(fromB);
    System.out.println("FIGURE shared node id: reader A printed " + fromA.size() + ", reader B " + fromB.size()
        + ", both " + both.size());
    assertThat(both).isEmpty();
    fromA.addAll(fromB);
    assertThat(fromA).hasSize(ENTRIES);
    Files.deleteIfExists(config);
  }

  @Test
  void headDeletesOnlyWhatItReadOutOfThePipe() throws Exception {
    redis.call("DEL", redis.keys.errors());
    redis.fillErrors(300);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder("sh", "-c", "'" + java + "' -Xmx256m -XX:+UseSerialGC -jar '" + FleetProcess.JAR
        + "' getErrors --json --redis " + server.url() + " --namespace test 2>/dev/null | head -3")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> shown = out.lines().toList();
    assertThat(shown).hasSize(3);
    // the getErrors process may still be handing entries back after head left
    Waits.until("getErrors ends", Duration.ofSeconds(30), () -> redis.number("ZCARD", redis.keys.errorReaders()) == 0);
    Set<Long> left = new HashSet<>();
    redis.call("LRANGE", redis.keys.errors(), 0, -1).forEach(r -> left.add(new JsonObject(r.toString()).getLong("id")));
    long lost = 300 - 3 - left.size();
    System.out.println("FIGURE getErrors | head -3 with 300 entries: 3 printed, " + left.size()
        + " left in Redis, " + lost + " read by head but not shown");
    for (String line : shown) {
      assertThat(left).doesNotContain(new JsonObject(line).getLong("id"));
    }
    // what head read but did not show is at most one read buffer of head (8 KiB with GNU coreutils)
    long readBytes = 0;
    for (long id = 1; id <= 300; id++) {
      if (!left.contains(id)) {
        readBytes += ("{\"id\":" + id + ",\"epoch\":1,\"body\":\"b\",\"error\":\"boom\",\"node\":\"n\",\"at\":1}\n").length();
      }
    }
    System.out.println("FIGURE bytes deleted: " + readBytes);
    assertThat(left).isNotEmpty();
    assertThat(readBytes).isLessThanOrEqualTo(8192);
  }

  /**
   * Issue 15 section 6: 21 error entries made by the fleet's own scripts from a handler's reasons,
   * message bodies and forged queue entries that carry clear-screen and window-title sequences. The
   * plain output shows them as visible escapes; not one control byte reaches stdout.
   */
  @Test
  void controlSequencesFromReasonsAndRawEntriesNeverReachTheTerminal() {
    redis.call("DEL", redis.keys.errors());
    redis.call("SET", redis.keys.seq(), 100);
    redis.call("SET", redis.keys.epoch(), 1);
    String title = "\u001b]0;owned\u0007";
    String clear = "\u001b[2J\u001b[H";
    List<String> queued = new ArrayList<>();
    for (int id = 1; id <= 10; id++) {
      // the body is stored as it is (no JSON escapes in the queue): its control bytes too
      queued.add(Entries.entry(id, 1, 1, 1, "b" + id + clear));
    }
    for (int i = 0; i < 11; i++) {
      // not a message (id 0): malformed at claim, raw bytes kept
      queued.add(Entries.entry(0, 1, 1, 1, clear + title + "\u009b31m\u007f" + i));
    }
    redis.pushAll(redis.keys.queue(), queued);
    redis.run(dev.redfleet.redis.Script.CLAIM, redis.keys.claim("w1"), List.of("w1", 100, 0, "t1"));
    List<Object> finish = new ArrayList<>(List.of("w1", 1, 1000, 60_000, 7));
    for (int id = 1; id <= 10; id++) {
      finish.addAll(redis.outcome("w1", Integer.toString(id), "t1", clear + "handler says no" + title));
    }
    redis.run(dev.redfleet.redis.Script.FINISH, redis.keys.finish("w1"), finish);
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(21);

    FleetProcess.Result plain = FleetProcess.oneShot(List.of("getErrors", "--redis", server.url(), "--namespace", "test"));
    assertThat(plain.exitCode()).as(plain.stderr()).isZero();
    assertThat(plain.lines()).hasSize(21);
    int[] controls = plain.stdout().chars().filter(c -> (c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f)).toArray();
    assertThat(controls).as(plain.stdout()).isEmpty();
    assertThat(plain.stdout()).contains("error=\\u001b[2J\\u001b[Hhandler says no\\u001b]0;owned\\u0007")
        .contains("body=b1\\u001b[2J\\u001b[H")
        .contains("raw=0:1:1:1:0:0:\\u001b[2J\\u001b[H\\u001b]0;owned\\u0007\\u009b31m\\u007f");
  }

  @Test
  void redisKilledWhileReadingEndsWithExitThreeAndOneLine() throws Exception {
    try (RedisServer own = RedisServer.start(); TestRedis ownRedis = new TestRedis(own.url(), "test")) {
      ownRedis.fillErrors(20_000);
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-XX:+UseSerialGC", "-jar", FleetProcess.JAR.toString(),
          "getErrors", "--json", "--redis", own.url(), "--namespace", "test"));
      Path err = Files.createTempFile("getErrors-stderr", ".txt");
      // stdout is a pipe this test does not read yet: the reader blocks with a batch in hand
      Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
      Waits.until("the reader holds a batch", Duration.ofSeconds(30),
          () -> ownRedis.number("ZCARD", ownRedis.keys.errorReaders()) == 1);
      Waits.pause(500);
      own.kill();
      p.getInputStream().transferTo(OutputStream.nullOutputStream());
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String stderr = Files.readString(err);
      System.out.println("FIGURE getErrors with Redis killed: exit " + p.exitValue() + ", stderr: " + stderr.strip());
      assertThat(p.exitValue()).as(stderr).isEqualTo(3);
      assertThat(stderr.lines().filter(l -> l.startsWith("redfleet:")).toList()).hasSize(1);
      assertThat(stderr).doesNotContain("\tat ").doesNotContain("Exception");
      Files.deleteIfExists(err);
    }
  }

  private static Set<Long> ids(FleetProcess.Result result) {
    assertThat(result.exitCode()).as(result.stderr()).isZero();
    Set<Long> ids = new HashSet<>();
    for (String line : result.lines()) {
      assertThat(ids.add(new JsonObject(line).getLong("id"))).as("printed twice by one reader").isTrue();
    }
    return ids;
  }
}
