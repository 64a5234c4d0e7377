package dev.redfleet.errors;

import static dev.redfleet.testing.Entries.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.send.Sender;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.worker.Message;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** requeue-error.lua on its edge cases, and {@link ErrorRequeuer} paging through the errors list. */
class ErrorRequeuerTest extends RedisTestBase {
  private static String failed(long id) {
    return "{\"id\":" + id + ",\"epoch\":1,\"ts\":5,\"body\":\"b" + id + "\",\"error\":\"boom\",\"node\":\"n\",\"at\":9}";
  }

  private static String malformed(String raw) {
    return "{\"error\":\"malformed\",\"raw\":\"" + raw + "\",\"node\":\"n\",\"at\":9}";
  }

  /** LPUSHes the entries in order: the first one given ends up oldest (rightmost). */
  private void push(List<String> oldestFirst) {
    redis.pushAll(redis.keys.errors(), oldestFirst);
  }

  private ErrorRequeuer.Result requeue(long limit, Set<Long> ids) {
    return TestRedis.await(new ErrorRequeuer(new Scripts(redis.client()), redis.keys, limit, ids).run());
  }

  /** The queue's messages in the order the workers take them, read as a worker reads them. */
  private List<Message> queue() {
    Response all = redis.call("LRANGE", redis.keys.queue(), 0, -1);
    List<Message> out = new ArrayList<>();
    for (int i = all.size() - 1; i >= 0; i--) {
      String raw = all.get(i).toString();
      Message m = Message.parse(all.get(i).toBytes());
      assertThat(m).as(raw).isNotNull();
      out.add(m);
    }
    return out;
  }

  private List<String> errors() {
    List<String> out = new ArrayList<>();
    redis.call("LRANGE", redis.keys.errors(), 0, -1).forEach(r -> out.add(r.toString()));
    return out;
  }

  private static long requeuedFrom(Message m) {
    return Long.parseLong(m.headers().get(ErrorRequeuer.REQUEUED_FROM));
  }

  @Test
  void theScriptRemovesTheCopyNearestTheRightEndAndWritesNothingForAnEntryThatIsGone() {
    redis.call("SET", redis.keys.seq(), 10);
    push(List.of(failed(1), failed(2), failed(1)));
    String tail = Sender.tail("b1", null, Map.of(ErrorRequeuer.REQUEUED_FROM, "1"));
    assertThat(redis.run(Script.REQUEUE_ERROR, redis.keys.requeueError(), List.of(failed(1), tail)).toLong()).isEqualTo(11);
    assertThat(errors()).as("newest first: the oldest copy went").containsExactly(failed(1), failed(2));
    assertThat(redis.run(Script.REQUEUE_ERROR, redis.keys.requeueError(), List.of(failed(7), tail)).toLong()).isZero();
    assertThat(redis.string("GET", redis.keys.seq())).isEqualTo("11");
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(1);
    assertThat(redis.stat("requeued_errors")).isEqualTo(1);
    assertThat(redis.stat("produced")).isEqualTo(1);
  }

  @Test
  void theScriptRefusesWrongTypedKeysAndABadSeqBeforeItsFirstWrite() {
    push(List.of(failed(1)));
    String tail = Sender.tail("b1", null, Map.of());
    for (String key : List.of(redis.keys.queue(), redis.keys.seq(), redis.keys.stats())) {
      redis.call("DEL", key);
      if (key.equals(redis.keys.seq())) {
        redis.call("SET", key, "not a number");
      } else {
        redis.call("SET", key, "intruder");
      }
      assertThatThrownBy(() -> redis.run(Script.REQUEUE_ERROR, redis.keys.requeueError(), List.of(failed(1), tail)))
          .hasMessageContaining("nothing was changed");
      assertThat(errors()).as("the entry stays with " + key + " broken").containsExactly(failed(1));
      redis.call("DEL", key);
    }
    redis.call("DEL", redis.keys.errors());
    redis.call("SET", redis.keys.errors(), "intruder");
    assertThatThrownBy(() -> requeue(Long.MAX_VALUE, Set.of())).hasMessageContaining("WRONGTYPE");
    assertThat(redis.number("EXISTS", redis.keys.queue(), redis.keys.seq(), redis.keys.stats())).isZero();
  }

  @Test
  void everyFailedMessageIsRequeuedOldestFirstWithItsKeyHeadersAndBodyAndANewId() {
    redis.call("SET", redis.keys.seq(), 100);
    // as finish writes it (lua/lib/entry.lua's entry_readable): ts, attempt, sent, key, headers, body
    String rich = "{\"id\":42,\"epoch\":0,\"ts\":5,\"attempt\":3,\"sent\":3,\"key\":\"order-7\","
        + "\"headers\":{\"traceparent\":\"00-ab-cd-01\",\"redfleet-requeued-from\":\"12\"},"
        + "\"body\":\"quote \\\" backslash \\\\ newline \\n é 😀\",\"error\":\"boom\",\"attempts\":3,\"node\":\"n\",\"at\":9}";
    push(List.of(failed(5), rich, failed(6)));

    ErrorRequeuer.Result r = requeue(Long.MAX_VALUE, Set.of());
    assertThat(r.requeued()).isEqualTo(3);
    assertThat(r.leftInPlaceTotal()).isZero();
    assertThat(errors()).isEmpty();
    assertThat(redis.string("GET", redis.keys.seq())).isEqualTo("103");
    assertThat(redis.stat("requeued_errors")).isEqualTo(3);

    List<Message> queued = queue();
    assertThat(queued).extracting(Message::id).containsExactly(101L, 102L, 103L);
    assertThat(queued).extracting(ErrorRequeuerTest::requeuedFrom).containsExactly(5L, 42L, 6L);
    assertThat(queued).allSatisfy(m -> {
      assertThat(m.epoch()).isZero();
      assertThat(m.attempt()).as("a new message starts at attempt 1").isEqualTo(1);
    });
    Message again = queued.get(1);
    assertThat(again.body()).isEqualTo("quote \" backslash \\ newline \n é 😀");
    assertThat(again.key()).isEqualTo("order-7");
    assertThat(again.headers()).containsExactly(Map.entry("traceparent", "00-ab-cd-01"),
        Map.entry(ErrorRequeuer.REQUEUED_FROM, "42"));
    assertThat(queued.get(0).key()).isNull();
    assertThat(queued.get(0).body()).isEqualTo("b5");
  }

  @Test
  void entriesThatAreNotFailedMessagesStayInPlaceInTheirOrderAndAreCountedByKind() {
    redis.call("SET", redis.keys.seq(), 100);
    // raw: the compact entry byte for byte (lua/lib/entry.lua)
    String duplicate = "{\"error\":\"duplicate\",\"outcome\":\"ok\",\"raw\":\"" + entry(4, 1, 5, 1, "b4") + "\",\"node\":\"n\",\"at\":9}";
    push(List.of(malformed("a"), failed(1), "not json", duplicate, "{\"id\":2,\"error\":\"no body\"}", failed(2),
        "{\"id\":3,\"body\":\"b\",\"headers\":{\"h\":7},\"error\":\"x\"}", malformed("b")));

    ErrorRequeuer.Result r = requeue(Long.MAX_VALUE, Set.of());
    assertThat(r.requeued()).isEqualTo(2);
    assertThat(r.leftInPlace()).containsExactlyInAnyOrderEntriesOf(Map.of("malformed", 2L, "duplicate", 1L, "unreadable", 3L));
    assertThat(errors()).containsExactly(malformed("b"), "{\"id\":3,\"body\":\"b\",\"headers\":{\"h\":7},\"error\":\"x\"}",
        "{\"id\":2,\"error\":\"no body\"}", duplicate, "not json", malformed("a"));
    assertThat(queue()).extracting(ErrorRequeuerTest::requeuedFrom).containsExactly(1L, 2L);

    ErrorRequeuer.Result again = requeue(Long.MAX_VALUE, Set.of());
    assertThat(again.requeued()).as("a second run finds nothing more to move").isZero();
    assertThat(again.leftInPlaceTotal()).isEqualTo(6);
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(2);
  }

  @Test
  void anEntryThatIsNotUtf8IsLeftInPlaceByteForByte() {
    redis.call("SET", redis.keys.seq(), 100);
    push(List.of(failed(1)));
    // byte 0xFF inside the body: read as text it would no longer match the entry in Redis
    redis.call("EVAL", "return redis.call('LPUSH', KEYS[1], ARGV[1] .. '\\255' .. ARGV[2])", 1, redis.keys.errors(),
        "{\"id\":2,\"epoch\":1,\"ts\":5,\"body\":\"x", "y\",\"error\":\"boom\",\"node\":\"n\",\"at\":9}");
    push(List.of(failed(3)));
    ErrorRequeuer.Result r = requeue(Long.MAX_VALUE, Set.of());
    assertThat(r.requeued()).isEqualTo(2);
    assertThat(r.leftInPlace()).containsExactly(Map.entry("not UTF-8", 1L));
    assertThat(redis.call("LINDEX", redis.keys.errors(), 0).toBytes()).contains((byte) 0xFF);
    assertThat(queue()).extracting(ErrorRequeuerTest::requeuedFrom).containsExactly(1L, 3L);
  }

  @Test
  void pagesAcrossEntriesLeftInPlaceMoveEveryFailedMessageOnce() {
    int count = 3 * ErrorRequeuer.PAGE + 17;
    List<String> entries = new ArrayList<>();
    List<Long> failedIds = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      if (i % 7 == 0) {
        entries.add(malformed("m" + i));
      } else {
        entries.add(failed(i));
        failedIds.add((long) i);
      }
    }
    redis.call("SET", redis.keys.seq(), count);
    push(entries);
    ErrorRequeuer.Result r = requeue(Long.MAX_VALUE, Set.of());
    assertThat(r.requeued()).isEqualTo(failedIds.size());
    assertThat(r.leftInPlace()).containsExactly(Map.entry("malformed", (long) (count / 7)));
    assertThat(queue()).extracting(ErrorRequeuerTest::requeuedFrom).containsExactlyElementsOf(failedIds);
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(count / 7);
    assertThat(redis.number("GET", redis.keys.seq())).isEqualTo(count + failedIds.size());
  }

  @Test
  void limitMovesTheOldestAndIdsSelectEntriesByTheirOriginalId() {
    List<String> entries = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      entries.add(failed(i));
    }
    redis.call("SET", redis.keys.seq(), 20);
    push(entries);

    assertThat(requeue(3, Set.of()).requeued()).isEqualTo(3);
    assertThat(queue()).extracting(ErrorRequeuerTest::requeuedFrom).containsExactly(1L, 2L, 3L);

    ErrorRequeuer.Result some = requeue(Long.MAX_VALUE, Set.of(15L, 9L, 2L, 99L));
    assertThat(some.requeued()).isEqualTo(2);
    assertThat(some.idsNotFound()).as("2 was requeued before, 99 never failed").containsExactly(2L, 99L);
    assertThat(some.leftInPlaceTotal()).isZero();
    assertThat(queue()).extracting(ErrorRequeuerTest::requeuedFrom).containsExactly(1L, 2L, 3L, 9L, 15L);

    assertThat(requeue(1, Set.of(18L, 12L)).requeued()).as("--limit with --id: the oldest selected one").isEqualTo(1);
    assertThat(queue()).extracting(ErrorRequeuerTest::requeuedFrom).endsWith(12L);
    assertThat(redis.number("LLEN", redis.keys.errors())).isEqualTo(14);
    assertThatThrownBy(() -> new ErrorRequeuer(new Scripts(redis.client()), redis.keys, 0, Set.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
