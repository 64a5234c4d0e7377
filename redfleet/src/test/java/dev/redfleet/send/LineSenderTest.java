package dev.redfleet.send;

import static dev.redfleet.testing.Entries.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.SendOptions;
import dev.redfleet.redis.Scripts;
import dev.redfleet.testing.RedisTestBase;
import dev.redfleet.testing.Waits;
import java.io.ByteArrayInputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The stdin side of {@code send}: output aligned with the input, in order, and flushed while a slow input waits. */
class LineSenderTest extends RedisTestBase {
  /**
   * On one connection, as the send command runs it: its calls reach Redis in the order they were
   * made, so ids follow the input (the shared test client's pool of 4 could reorder two calls in
   * flight, and the ids with them).
   */
  private LineSender lineSender() {
    io.vertx.redis.client.Redis one = dev.redfleet.redis.RedisConnector.create(redis.vertx(),
        dev.redfleet.redis.RedisConnectionOptions.parse(server.url())).pooled(1);
    return new LineSender(new Sender(new Scripts(one), redis.keys, 10, 60_000));
  }

  @Test
  void everyInputLineGetsAnOutputLineInOrderWithADashForEachRefusedOne() throws Exception {
    StringBuilder input = new StringBuilder();
    List<String> expected = new ArrayList<>();
    List<String> refusals = new ArrayList<>();
    long id = 0;
    for (int i = 1; i <= 2600; i++) {
      boolean tooLong = i % 333 == 0 || (i >= 1000 && i < 1600);
      input.append(tooLong ? "much too long " + i : Integer.toString(i)).append('\n');
      expected.add(tooLong ? "-" : Long.toString(++id));
    }
    StringWriter out = new StringWriter();
    LineSender.Result result = lineSender().send(
        new LineReader(new ByteArrayInputStream(input.toString().getBytes(StandardCharsets.UTF_8)), 10),
        new SendOptions().addHeader("source", "test"), out, refusals::add);

    assertThat(out.toString().lines().toList()).isEqualTo(expected);
    assertThat(result).isEqualTo(new LineSender.Result(2600, id, 2600 - id));
    assertThat(refusals).hasSize((int) (2600 - id)).first().isEqualTo("line 333: body is 17 bytes, more than maxBodyBytes (10)");
    // the queue holds the sent lines in input order (workers take the oldest first, from the right)
    List<String> bodies = new ArrayList<>();
    redis.call("LRANGE", redis.keys.queue(), 0, -1).forEach(r -> bodies.add(json(r.toString()).getString("body")));
    Collections.reverse(bodies);
    List<String> sentLines = input.toString().lines().filter(l -> l.length() <= 10).toList();
    assertThat(bodies).isEqualTo(sentLines);
    assertThat(json(redis.string("LINDEX", redis.keys.queue(), 0)).getJsonObject("headers").getString("source"))
        .isEqualTo("test");
  }

  @Test
  void whileTheInputWaitsTheLinesReadAreSentAndTheirIdsWritten() throws Exception {
    PipedOutputStream typing = new PipedOutputStream();
    PipedInputStream stdin = new PipedInputStream(typing, 1 << 16);
    StringWriter out = new StringWriter();
    CompletableFuture<LineSender.Result> done = CompletableFuture.supplyAsync(() -> {
      try {
        return lineSender().send(new LineReader(stdin, 10), new SendOptions(), out, r -> {});
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    typing.write("one\n".getBytes(StandardCharsets.UTF_8));
    typing.flush();
    Waits.until("the first id before a second line", Duration.ofSeconds(10), () -> out.toString().equals("1\n"));
    typing.write("two\nthree\n".getBytes(StandardCharsets.UTF_8));
    typing.flush();
    Waits.until("the next ids before the input ends", Duration.ofSeconds(10), () -> out.toString().equals("1\n2\n3\n"));
    typing.close();
    assertThat(done.get()).isEqualTo(new LineSender.Result(3, 3, 0));
  }
}
