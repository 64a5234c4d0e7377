package dev.redfleet.errors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.testing.Fleet;
import dev.redfleet.testing.FleetProcess;
import dev.redfleet.testing.RedisServer;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.Waits;
import dev.redfleet.worker.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * requeue-errors as real JVMs: SIGKILLed half way through 50,000 entries and run again, every
 * entry is requeued exactly once; --limit and --id on the failures of a real fleet, whose
 * requeued messages a fleet then handles; bad usage and an unreachable or refusing Redis end it
 * with one line and the documented exit code.
 */
class RequeueErrorsIT extends RedisTestBase {
  private static final int FAILED = 50_000;
  /** One malformed entry after every this many failed ones: never requeued, kept in order. */
  private static final int MALFORMED_EVERY = 250;

  private List<String> command(String... more) {
    List<String> args = new ArrayList<>(List.of("requeue-errors", "--redis", server.url(), "--namespace", "test"));
    args.addAll(List.of(more));
    return args;
  }

  @Test
  void killedHalfWayAndRunAgainEveryEntryIsRequeuedExactlyOnceOldestFirst() {
    List<String> entries = new ArrayList<>();
    List<String> malformed = new ArrayList<>();
    for (int id = 1; id <= FAILED; id++) {
      entries.add("{\"id\":" + id + ",\"epoch\":1,\"ts\":5,\"body\":\"b" + id + "\",\"error\":\"boom\",\"node\":\"n\",\"at\":9}");
      if (id % MALFORMED_EVERY == 0) {
        String bad = "{\"error\":\"malformed\",\"raw\":\"junk " + id + "\",\"node\":\"n\",\"at\":9}";
        entries.add(bad);
        malformed.add(bad);
      }
    }
    redis.call("SET", redis.keys.seq(), FAILED);
    redis.pushAll(redis.keys.errors(), entries);
    int total = entries.size();

    long started = System.nanoTime();
    FleetProcess first = FleetProcess.start("requeue-errors", command());
    Waits.until("5,000 entries requeued", Duration.ofSeconds(90), () -> redis.number("LLEN", redis.keys.queue()) >= 5000);
    assertThat(first.alive()).as("still running when killed: the test kills it half way").isTrue();
    first.kill();
    long seconds = Math.max(1, (System.nanoTime() - started) / 1_000_000_000);
    long movedBeforeKill = redis.number("LLEN", redis.keys.queue());
    assertThat(movedBeforeKill).as("killed before the end").isLessThan(FAILED);
    // at the moment of the SIGKILL: every entry is in exactly one of the two lists
    assertThat(movedBeforeKill + redis.number("LLEN", redis.keys.errors())).isEqualTo(total);
    assertThat(redis.number("GET", redis.keys.seq())).isEqualTo(FAILED + movedBeforeKill);
    assertThat(redis.stat("requeued_errors")).isEqualTo(movedBeforeKill);

    long again = System.nanoTime();
    FleetProcess.Result second = FleetProcess.oneShot(command());
    long secondMs = (System.nanoTime() - again) / 1_000_000;
    assertThat(second.exitCode()).as(second.stderr()).isZero();
    assertThat(second.stdout().trim()).isEqualTo("requeued " + (FAILED - movedBeforeKill) + " error(s) as new messages; "
        + malformed.size() + " left in place, not failed messages (" + malformed.size() + " malformed)");

    // the queue from its consumer end: ids FAILED+1.. in order, each naming the failed ids 1.. in order
    List<Message> queued = queueFromConsumerEnd();
    assertThat(queued).hasSize(FAILED);
    BitSet from = new BitSet();
    for (int i = 0; i < queued.size(); i++) {
      Message m = queued.get(i);
      assertThat(m.id()).isEqualTo(FAILED + 1 + i);
      long original = Long.parseLong(m.headers().get(ErrorRequeuer.REQUEUED_FROM));
      assertThat(original).as("oldest first, across the kill").isEqualTo(i + 1);
      assertThat(m.body()).isEqualTo("b" + original);
      from.set((int) original);
    }
    assertThat(from.cardinality()).as("original ids requeued, none twice").isEqualTo(FAILED);
    assertThat(redis.number("GET", redis.keys.seq())).as("seq grew by exactly the entries requeued").isEqualTo(2L * FAILED);
    assertThat(redis.stat("requeued_errors")).isEqualTo(FAILED);
    List<String> left = new ArrayList<>();
    redis.call("LRANGE", redis.keys.errors(), 0, -1).forEach(r -> left.add(r.toString()));
    List<String> newestFirst = new ArrayList<>(malformed);
    java.util.Collections.reverse(newestFirst);
    assertThat(left).as("only the malformed entries are left, newest first").containsExactlyElementsOf(newestFirst);
    System.out.println("FIGURE requeue-errors: " + movedBeforeKill + " of " + FAILED + " requeued when SIGKILLed after "
        + seconds + " s (JVM start included); the rerun moved the other " + (FAILED - movedBeforeKill) + " in " + secondMs
        + " ms (JVM start included); lost 0, doubled 0");
  }

  private List<Message> queueFromConsumerEnd() {
    List<Message> out = new ArrayList<>();
    long length = redis.number("LLEN", redis.keys.queue());
    for (long end = -1; -end <= length; end -= 5000) {
      Response page = redis.call("LRANGE", redis.keys.queue(), Math.max(-length, end - 4999), end);
      for (int i = page.size() - 1; i >= 0; i--) {
        String raw = page.get(i).toString();
        Message m = Message.parse(page.get(i).toBytes());
        assertThat(m).as(raw).isNotNull();
        out.add(m);
      }
    }
    return out;
  }

  @Test
  void limitAndIdRequeueAFleetsFailuresWhichAFleetThenHandles() {
    try (Fleet fleet = new Fleet(List.of("--interval-ms", "0", "--max-delay-ms", "0", "--workers", "1",
        "--leader-handles", "true", "--heartbeat-ms", "250", "--stale-ms", "1500"))) {
      FleetProcess failing = fleet.start("--limit", "20", "--error-rate", "1");
      Waits.until("20 failures", Duration.ofSeconds(60), () -> fleet.redis.number("LLEN", fleet.redis.keys.errors()) == 20);
      failing.terminate(30);
      List<Long> oldestFirst = new ArrayList<>();
      Response all = fleet.redis.call("LRANGE", fleet.redis.keys.errors(), 0, -1);
      for (int i = all.size() - 1; i >= 0; i--) {
        // the errors list keeps readable JSON (lua/lib/entry.lua's entry_readable)
        oldestFirst.add(new JsonObject(all.get(i).toString()).getLong("id"));
      }
      List<String> base = List.of("requeue-errors", "--redis", fleet.server.url());

      FleetProcess.Result limited = FleetProcess.oneShot(with(base, "--limit", "5"));
      assertThat(limited.exitCode()).as(limited.stderr()).isZero();
      assertThat(limited.stdout().trim()).isEqualTo("requeued 5 error(s) as new messages");
      assertThat(requeuedFrom(fleet)).as("the five oldest").containsExactlyElementsOf(oldestFirst.subList(0, 5));

      long x = oldestFirst.get(9);
      long y = oldestFirst.get(17);
      FleetProcess.Result chosen = FleetProcess.oneShot(with(base, "--id", Long.toString(y), "--id", Long.toString(x),
          "--id", "999"));
      assertThat(chosen.exitCode()).as(chosen.stderr()).isZero();
      assertThat(chosen.stdout().trim()).isEqualTo("requeued 2 error(s) as new messages; no failed message with id 999");
      assertThat(requeuedFrom(fleet)).endsWith(x, y);

      // bad usage changes nothing
      FleetProcess.oneShot(with(base, "--limit", "0")).assertOneLineError(2, "--limit must be 1 or more");
      FleetProcess.oneShot(with(base, "--id", "0")).assertOneLineError(2, "--id must be a message id");
      FleetProcess.oneShot(with(base, "--limit", "many")).assertOneLineError(2, "--limit");
      assertThat(fleet.redis.number("LLEN", fleet.redis.keys.errors())).isEqualTo(13);
      assertThat(fleet.redis.number("LLEN", fleet.redis.keys.queue())).isEqualTo(7);

      // the requeued messages are messages like any other: a fleet that fails nothing handles them
      assertThat(fleet.seq()).isEqualTo(27);
      fleet.start("--limit", "27", "--error-rate", "0");
      fleet.awaitOutcomes(27, Duration.ofSeconds(60));
      fleet.assertEveryIdRecordedOnce(27);
      assertThat(fleet.redis.stat("failed")).isEqualTo(20);
      assertThat(fleet.redis.number("LLEN", fleet.redis.keys.errors())).isEqualTo(13);
    }
  }

  @Test
  void anUnreachableOrRefusingRedisEndsItWithOneLineAndItsExitCode() throws Exception {
    int closed = RedisServer.freePort();
    FleetProcess.oneShot(List.of("requeue-errors", "--redis", "redis://127.0.0.1:" + closed))
        .assertOneLineError(3, "Redis unreachable");
    try (RedisServer locked = RedisServer.start("--requirepass", "S3cret-Pw")) {
      FleetProcess.oneShot(List.of("requeue-errors", "--redis", "redis://:Wr0ng-Pw@127.0.0.1:" + locked.port()))
          .assertOneLineError(4, "refused the credentials", "Wr0ng-Pw", "S3cret-Pw");
    }
  }

  private static List<String> with(List<String> base, String... more) {
    List<String> all = new ArrayList<>(base);
    all.addAll(List.of(more));
    return all;
  }

  /** The requeued-from header of each queued message, in the order the workers take them. */
  private static List<Long> requeuedFrom(Fleet fleet) {
    List<Long> out = new ArrayList<>();
    Response all = fleet.redis.call("LRANGE", fleet.redis.keys.queue(), 0, -1);
    for (int i = all.size() - 1; i >= 0; i--) {
      out.add(Long.parseLong(Message.parse(all.get(i).toBytes()).headers().get(ErrorRequeuer.REQUEUED_FROM)));
    }
    return out;
  }
}
