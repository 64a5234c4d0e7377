package dev.redfleet.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.redfleet.api.NewMessage;
import dev.redfleet.api.SendOptions;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.TestRedis;
import dev.redfleet.worker.Message;
import dev.redfleet.worker.RetryVerticle;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** send.lua and requeue-error.lua through {@link Sender}, and what a worker's claim makes of their messages. */
class SendScriptTest extends RedisTestBase {
  private static final String NODE = "w1";

  /** A message's tail as produce takes it (lua/lib/entry.lua): no key, no headers, the body as it is. */
  private static String tail(String body) {
    return "0:" + body;
  }

  private Sender sender() {
    return new Sender(new Scripts(redis.client()), redis.keys, 1024, 60_000);
  }

  private List<Long> send(NewMessage... messages) {
    return TestRedis.await(sender().sendAll(List.of(messages)));
  }

  /** Claims everything in the queue as worker w1 does, and reads each entry as the worker does. */
  private List<Message> claimAll() {
    Response r = redis.run(Script.CLAIM, redis.keys.claim(NODE), List.of(NODE, 10_000, 0, "t" + System.nanoTime()));
    List<Message> out = new ArrayList<>();
    for (Response raw : r.get(0)) {
      Message m = Message.parse(raw.toBytes());
      assertThat(m).as("claimed entry %s", raw).isNotNull();
      out.add(m);
    }
    return out;
  }

  @Test
  void sentMessagesGetGapFreeIdsAfterTheGeneratorsAndCarryKeyHeadersAndEpochZero() {
    redis.call("SET", redis.keys.seq(), 7);
    redis.call("SET", redis.keys.epoch(), 3);
    List<Long> ids = send(NewMessage.of("plain"),
        NewMessage.of("with \"quotes\" and\nnewline é", new SendOptions().setKey("k1")
            .addHeader("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")));
    assertThat(ids).containsExactly(8L, 9L);
    assertThat(redis.string("GET", redis.keys.seq())).isEqualTo("9");
    assertThat(redis.stat("produced")).isEqualTo(2);
    assertThat(redis.stat("sent")).isEqualTo(2);

    List<Message> claimed = claimAll();
    assertThat(claimed).hasSize(2);
    Message plain = claimed.get(0);
    assertThat(plain.id()).isEqualTo(8);
    assertThat(plain.epoch()).isZero();
    assertThat(plain.body()).isEqualTo("plain");
    assertThat(plain.key()).isNull();
    assertThat(plain.headers()).isEmpty();
    assertThat(plain.sentAt()).isEqualTo(plain.producedAt()).isPositive();
    Message rich = claimed.get(1);
    assertThat(rich.body()).isEqualTo("with \"quotes\" and\nnewline é");
    assertThat(rich.key()).isEqualTo("k1");
    assertThat(rich.headers()).containsExactly(
        Map.entry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
    assertThat(redis.number("LLEN", redis.keys.errors())).as("nothing malformed").isZero();
  }

  @Test
  void aKeyInsideTheWindowReturnsTheFirstIdAndAddsNothingEvenInOneCall() {
    List<Long> ids = send(NewMessage.of("a", new SendOptions().setKey("order-1")),
        NewMessage.of("b", new SendOptions().setKey("order-1")), NewMessage.of("c"));
    assertThat(ids).containsExactly(1L, 1L, 2L);
    assertThat(send(NewMessage.of("d", new SendOptions().setKey("order-1")))).containsExactly(1L);
    assertThat(redis.number("LLEN", redis.keys.queue())).isEqualTo(2);
    assertThat(redis.stat("produced")).isEqualTo(2);
    assertThat(redis.number("PTTL", redis.keys.dedup("order-1"))).isBetween(1L, 60_000L);
    assertThat(claimAll()).extracting(Message::body).containsExactly("a", "c");
  }

  @Test
  void aDelayedMessageWaitsInTheDelayedSetUntilItIsDueOnTheRedisClock() {
    send(NewMessage.of("later", new SendOptions().setDelay(Duration.ofMillis(300))),
        NewMessage.of("past", new SendOptions().setAt(Instant.ofEpochMilli(1000))));
    assertThat(redis.number("LLEN", redis.keys.queue())).as("a due time in the past is now").isEqualTo(1);
    assertThat(redis.number("ZCARD", redis.keys.delayed())).isEqualTo(1);
    Response early = redis.run(Script.RETRY_DUE, redis.keys.retryDue(), RetryVerticle.args(100, "test-leader"));
    assertThat(early.get(0).toLong()).isZero();
    long deadline = System.currentTimeMillis() + 5000;
    while (redis.number("ZCARD", redis.keys.delayed()) > 0 && System.currentTimeMillis() < deadline) {
      redis.run(Script.RETRY_DUE, redis.keys.retryDue(), RetryVerticle.args(100, "test-leader"));
    }
    List<Message> claimed = claimAll();
    // what becomes due goes to the consumer end of the queue, as a retry does: it has waited already
    assertThat(claimed).extracting(Message::body).containsExactly("later", "past");
    Message later = claimed.get(0);
    assertThat(later.producedAt() - later.sentAt()).as("due 300 ms after it was sent").isEqualTo(300);
  }

  @Test
  void aBadMessageRefusesTheWholeListAndNothingIsSent() {
    assertThatThrownBy(() -> send(NewMessage.of("ok"), NewMessage.of("x".repeat(1025))))
        .hasMessage("message 2: body is 1025 bytes, more than maxBodyBytes (1024)");
    assertThat(sender().check(NewMessage.of("é".repeat(600)))).contains("1200 bytes");
    assertThat(sender().check(NewMessage.of("b", new SendOptions().addHeader("bad name", "v")))).contains("header name");
    assertThat(sender().check(NewMessage.of("b", new SendOptions().setKey("")))).contains("key must be");
    assertThat(sender().check(NewMessage.of("b", new SendOptions().setDelay(Duration.ofMillis(-1))))).contains("delay");
    assertThat(redis.number("EXISTS", redis.keys.queue())).isZero();
  }

  @Test
  void aWrongTypedDedupKeyFailsTheCallBeforeAnyWrite() {
    redis.call("LPUSH", redis.keys.dedup("k"), "x");
    assertThatThrownBy(() -> send(NewMessage.of("a"), NewMessage.of("b", new SendOptions().setKey("k"))))
        .hasMessageContaining("WRONGTYPE");
    assertThat(redis.number("EXISTS", redis.keys.queue(), redis.keys.seq(), redis.keys.stats())).isZero();
  }

  @Test
  void requeueErrorMovesOneEntryOnceWithANewId() {
    redis.call("SET", redis.keys.seq(), 5);
    String entry = "{\"id\":5,\"epoch\":1,\"ts\":1,\"body\":\"x\",\"error\":\"boom\",\"node\":\"n\",\"at\":2}";
    redis.call("LPUSH", redis.keys.errors(), entry);
    String tail = Sender.tail("x", null, Map.of("redfleet-requeued-from", "5"));
    assertThat(redis.run(Script.REQUEUE_ERROR, redis.keys.requeueError(), List.of(entry, tail)).toLong()).isEqualTo(6);
    assertThat(redis.run(Script.REQUEUE_ERROR, redis.keys.requeueError(), List.of(entry, tail)).toLong())
        .as("the entry is gone: a second call adds nothing").isZero();
    assertThat(redis.number("LLEN", redis.keys.errors())).isZero();
    List<Message> claimed = claimAll();
    assertThat(claimed).hasSize(1);
    assertThat(claimed.get(0).id()).isEqualTo(6);
    assertThat(claimed.get(0).headers()).containsEntry("redfleet-requeued-from", "5");
  }

  @Test
  void producePausedWritesNothingAndACursorIsCommittedOnlyWithItsWholeBatch() {
    redis.call("SET", redis.keys.leader(), "g:1", "PX", 10_000);
    redis.call("SET", redis.keys.epoch(), 1);
    redis.call("SET", redis.keys.paused(), "1");
    Response paused = redis.run(Script.PRODUCE, redis.keys.produce(), List.of("g:1", 1, 0, 100, "", "", tail("a")));
    assertThat(paused.get(2).toString()).isEqualTo("paused");
    assertThat(redis.number("EXISTS", redis.keys.queue())).isZero();
    redis.call("DEL", redis.keys.paused());

    Response first = redis.run(Script.PRODUCE, redis.keys.produce(), List.of("g:1", 1, 0, 100, "", "c2", tail("a"), tail("b")));
    assertThat(first.get(2).toString()).isEqualTo("ok");
    assertThat(redis.string("GET", redis.keys.sourceCursor())).isEqualTo("c2");
    Response replay = redis.run(Script.PRODUCE, redis.keys.produce(), List.of("g:1", 1, 0, 100, "", "c2", tail("a"), tail("b")));
    assertThat(replay.get(2).toString()).as("a batch from a cursor already passed").isEqualTo("moved");
    Response cut = redis.run(Script.PRODUCE, redis.keys.produce(), List.of("g:1", 1, 0, 3, "c2", "c4", tail("c"), tail("d")));
    assertThat(cut.get(2).toString()).as("the cap leaves room for 1 of 2: all or nothing").isEqualTo("full");
    assertThat(cut.get(0).toLong()).isZero();
    assertThat(redis.string("GET", redis.keys.sourceCursor())).isEqualTo("c2");
    Response tail = redis.run(Script.PRODUCE, redis.keys.produce(),
        List.of("g:1", 1, 0, 100, "c2", "c3", Sender.tail("t", null, Map.of("tick", "2026-12-01T00:00:00Z"))));
    assertThat(tail.get(0).toLong()).isEqualTo(1);
    List<Message> claimed = claimAll();
    assertThat(claimed).extracting(Message::body).containsExactly("a", "b", "t");
    assertThat(claimed.get(2).headers()).containsEntry("tick", "2026-12-01T00:00:00Z");
    assertThat(claimed.get(2).epoch()).isEqualTo(1);
  }
}
