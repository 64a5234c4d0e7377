package dev.redfleet.send;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.redis.AclRules;
import dev.redfleet.testing.Entries;
import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.testing.Waits;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code send} command as real processes from the fat jar, against a real redis-server: a
 * one-node fleet handles what it sends, once each; a delay is kept; one key from several processes
 * at once is one message; a refused stdin line, an unreachable Redis, an ACL refusal and bad
 * options each end with their exit code and one line.
 *
 * <p>The cases run side by side: each has a Redis of its own (or none), none has an upper timing
 * bound, and most of their time is one-shot JVMs starting or a delay running out.
 */
class SendIT {
  @TempDir
  Path dir;

  private static FleetProcess.Result send(String url, Path stdin, String... args) {
    List<String> all = new ArrayList<>(List.of("send", "--redis", url));
    all.addAll(List.of(args));
    return FleetProcess.oneShot(all, Map.of(), stdin);
  }

  private Path lines(String name, List<String> lines) throws IOException {
    return Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
  }

  private static List<String> queueBodies(TestRedis redis) {
    List<String> bodies = new ArrayList<>();
    redis.call("LRANGE", redis.keys.queue(), 0, -1).forEach(r -> bodies.add(Entries.json(r.toString()).getString("body")));
    Collections.reverse(bodies);
    return bodies;
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aOneNodeFleetWithSourceNoneHandlesEveryMessageSentFromStdinOrAsBodyOnce() throws IOException {
    // --limit 1: until --source none emits nothing by itself, a limit already reached by the
    // first send keeps the generator from adding messages of its own; the counts below hold either way
    try (Fleet fleet = new Fleet(List.of("--source", "none", "--limit", "1", "--error-rate", "0", "--max-delay-ms", "5"))) {
      String url = fleet.server.url();
      FleetProcess.Result before = send(url, lines("before.txt", bodies("before", 700)));
      assertThat(before.exitCode()).as(before.stderr()).isZero();
      assertThat(before.lines()).as("ids in input order").isEqualTo(ids(1, 700));

      fleet.start();
      String leader = fleet.awaitLeader();
      assertThat(Fleet.nodeOf(leader)).isEqualTo("node1");
      FleetProcess.Result during = send(url, lines("during.txt", bodies("during", 300)));
      assertThat(during.exitCode()).as(during.stderr()).isZero();
      assertThat(during.lines()).isEqualTo(ids(701, 1000));
      FleetProcess.Result one = send(url, null, "--header", "traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          "a body with spaces, \"quotes\" and é");
      assertThat(one.exitCode()).as(one.stderr()).isZero();
      assertThat(one.stdout()).isEqualTo("1001\n");
      assertThat(one.stderr()).isEmpty();

      fleet.awaitOutcomes(1001, Duration.ofSeconds(60));
      fleet.assertEveryIdRecordedOnce(1001);
      assertThat(fleet.redis.stat("sent")).isEqualTo(1001);
      assertThat(fleet.redis.stat("produced")).as("the generator added nothing of its own").isEqualTo(1001);
      assertThat(fleet.redis.stat("failed")).isZero();
      assertThat(fleet.redis.number("LLEN", fleet.redis.keys.queue())).isZero();
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aDelayedMessageIsHandledNoEarlierThanItsDueTimeOnTheRedisClock() {
    try (Fleet fleet = new Fleet(List.of("--source", "none", "--limit", "1", "--error-rate", "0", "--max-delay-ms", "5"))) {
      String url = fleet.server.url();
      assertThat(send(url, null, "first").stdout()).isEqualTo("1\n");
      fleet.startJoined();
      fleet.awaitOutcomes(1, Duration.ofSeconds(60));

      FleetProcess.Result delayed = send(url, null, "--delay-ms", "3000", "later");
      assertThat(delayed.exitCode()).as(delayed.stderr()).isZero();
      assertThat(delayed.stdout()).isEqualTo("2\n");
      Response waiting = fleet.redis.call("ZRANGE", fleet.redis.keys.delayed(), 0, -1);
      assertThat(waiting.size()).isEqualTo(1);
      JsonObject message = Entries.json(waiting.get(0).toString());
      long due = fleet.redis.number("ZSCORE", fleet.redis.keys.delayed(), waiting.get(0).toString());
      assertThat(fleet.redis.number("LLEN", fleet.redis.keys.queue())).as("not in the queue before its time").isZero();
      assertThat(message.getLong("id")).isEqualTo(2);
      assertThat(due - message.getLong("sent")).as("due 3 s after it reached Redis").isEqualTo(3000);

      // GETBIT before TIME: a bit already set at a time before the due time would be a message handled early
      long[] handledBy = {0};
      Waits.until("message 2 handled", Duration.ofSeconds(30), () -> {
        long bit = fleet.redis.auditBit(2);
        Response time = fleet.redis.call("TIME");
        long now = time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000;
        if (bit == 1) {
          handledBy[0] = now;
          return true;
        }
        return false;
      });
      assertThat(handledBy[0]).as("handled no earlier than due").isGreaterThanOrEqualTo(due);
      fleet.awaitOutcomes(2, Duration.ofSeconds(10));
      fleet.assertEveryIdRecordedOnce(2);
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void severalProcessesSendingOneKeyAtOnceAddOneMessageAndAllPrintItsId() {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "redfleet")) {
      List<CompletableFuture<FleetProcess.Result>> sends = IntStream.range(0, 4)
          .mapToObj(i -> CompletableFuture.supplyAsync(() -> send(server.url(), null, "--key", "invoice-9", "copy " + i)))
          .toList();
      List<FleetProcess.Result> results = sends.stream().map(CompletableFuture::join).toList();
      for (FleetProcess.Result r : results) {
        assertThat(r.exitCode()).as(r.stderr()).isZero();
      }
      assertThat(results.stream().map(FleetProcess.Result::stdout).collect(Collectors.toSet())).containsExactly("1\n");
      assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(1);
      assertThat(redis.stat("sent")).isEqualTo(1);
      assertThat(queueBodies(redis).get(0)).startsWith("copy ");
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void aRefusedStdinLineIsNamedTheOthersAreSentAndTheExitCodeIsTwo() throws IOException {
    try (RedisServer server = RedisServer.start(); TestRedis redis = new TestRedis(server.url(), "redfleet")) {
      Path input = dir.resolve("mixed.txt");
      Files.write(input, ("first\n" + "x".repeat(40) + "\nthird\r\n").getBytes(StandardCharsets.UTF_8));
      FleetProcess.Result r = send(server.url(), input, "--max-body-bytes", "16");
      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.stdout()).as("one line per input line, '-' for the refused one").isEqualTo("1\n-\n2\n");
      assertThat(r.stderr().lines().toList()).containsExactly("redfleet: line 2: body is 40 bytes, more than maxBodyBytes (16)");
      assertThat(queueBodies(redis)).containsExactly("first", "third");

      FleetProcess.Result keyed = send(server.url(), input, "--key", "k");
      keyed.assertOneLineError(2, "--key needs BODY");
      assertThat(redis.number("LLEN", redis.keys.queue())).as("nothing sent").isEqualTo(2);
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void badOptionsExitTwoWithOneLineBeforeAnythingConnects() throws IOException {
    String nowhere = "redis://127.0.0.1:" + RedisServer.freePort();
    send(nowhere, null, "--at", "tomorrow", "b").assertOneLineError(2, "--at must be an ISO-8601 time with an offset");
    send(nowhere, null, "--delay-ms", "-5", "b").assertOneLineError(2, "--delay-ms must be a whole number of milliseconds");
    send(nowhere, null, "--delay-ms", "5", "--at", "2030-01-01T00:00:00Z", "b").assertOneLineError(2, "not both");
    send(nowhere, null, "--header", "no-equals", "b").assertOneLineError(2, "--header must be NAME=VALUE");
    send(nowhere, null, "--header", "bad name=v", "b").assertOneLineError(2, "header name must be");
    send(nowhere, null, "--max-body-bytes", "0", "b").assertOneLineError(2, "maxBodyBytes must be between 1 and");
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void anUnreachableRedisExitsThreeAndARefusingOneExitsFourWithOneLineAndNoPassword() {
    String nowhere;
    try {
      nowhere = "redis://127.0.0.1:" + RedisServer.freePort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    send(nowhere, null, "b").assertOneLineError(3, "Redis unreachable at " + nowhere);

    String admin = "Adm1n-Sx8q";
    String password = "S3nd-Pw7k";
    try (RedisServer server = RedisServer.start("--requirepass", admin);
        TestRedis redis = new TestRedis("redis://:" + admin + "@127.0.0.1:" + server.port(), "redfleet")) {
      String rules = AclRules.rules("redfleet");
      aclUser(redis, "noevalsha", password, rules.replace(" +evalsha", ""));
      aclUser(redis, "nolpush", password, rules.replace(" +lpush", ""));
      aclUser(redis, "otherkeys", password, AclRules.rules("other"));
      String base = "127.0.0.1:" + server.port();
      send("redis://noevalsha:" + password + "@" + base, null, "b")
          .assertOneLineError(4, "may not run 'evalsha'", password, admin);
      send("redis://nolpush:" + password + "@" + base, null, "b")
          .assertOneLineError(4, "may not run 'lpush'", password, admin);
      send("redis://otherkeys:" + password + "@" + base, null, "b")
          .assertOneLineError(4, "may not use the fleet's keys", password, admin);
      send("redis://otherkeys:Wr0ng-Pw3@" + base, null, "b")
          .assertOneLineError(4, "refused the credentials", "Wr0ng-Pw3", admin);
      assertThat(redis.number("EXISTS", redis.keys.queue(), redis.keys.seq())).as("nothing was written").isZero();

      // the same user with every rule sends
      aclUser(redis, "sender", password, rules);
      FleetProcess.Result ok = send("redis://sender@" + base, null, "--redis-password", password, "b");
      assertThat(ok.exitCode()).as(ok.stderr()).isZero();
      assertThat(ok.stdout()).isEqualTo("1\n");
    }
  }

  @Test
  @Execution(ExecutionMode.CONCURRENT)
  void redisLostHalfWayThroughStdinExitsThreeNamingTheFirstLineNotConfirmed() throws Exception {
    RedisServer server = RedisServer.start();
    try {
      Path out = dir.resolve("ids.txt");
      Path err = dir.resolve("err.txt");
      ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-XX:+UseSerialGC", "-jar", FleetProcess.JAR.toString(), "send", "--redis", server.url())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("REDIS_") || k.startsWith("REDFLEET_"));
      Process send = builder.start();
      try (java.io.Writer stdin = new java.io.OutputStreamWriter(send.getOutputStream(), StandardCharsets.UTF_8)) {
        stdin.write("a\nb\n");
        stdin.flush();
        // a slow input: the ids of what was read come out before more input arrives
        Waits.until("the first two ids", Duration.ofSeconds(60), () -> read(out).equals("1\n2\n"));
        server.kill();
        stdin.write("c\n");
      }
      assertThat(send.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("send ends").isTrue();
      FleetProcess.Result r = new FleetProcess.Result(send.exitValue(), read(out), read(err));
      r.assertOneLineError(3, "lost Redis at " + server.url()
          + " after 2 ids were printed (the lines from line 3 on may or may not have been sent)");
      assertThat(r.stdout()).isEqualTo("1\n2\n");
    } finally {
      server.close();
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void aclUser(TestRedis redis, String name, String password, String rules) {
    List<Object> args = new ArrayList<>(List.of("SETUSER", name, "reset", "on", ">" + password));
    args.addAll(List.of(rules.split(" ")));
    redis.call("ACL", args.toArray());
  }

  private static List<String> bodies(String prefix, int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> prefix + " " + i).toList();
  }

  private static List<String> ids(long from, long to) {
    return java.util.stream.LongStream.rangeClosed(from, to).mapToObj(Long::toString).toList();
  }
}
