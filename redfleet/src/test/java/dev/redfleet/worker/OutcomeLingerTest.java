package dev.redfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.metrics.NodeMetrics;
import dev.redfleet.redis.Script;
import dev.redfleet.redis.Scripts;
import dev.redfleet.redis.store.DeliveryStore;
import dev.redfleet.testing.RedisTestBase;
import io.vertx.core.Context;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A slow handler's outcomes linger (finishLingerMs) so that more join their finish call: one call
 * for what finished a few at a time, no call before the linger is up, a whole batch at once, and
 * with no linger each flush its own call. Against a real redis-server: the calls are counted by
 * its INFO commandstats. The outcomes name no claim, so finish drops them as stale (counted).
 */
class OutcomeLingerTest extends RedisTestBase {
  private Context context;
  private long callsBefore;

  @BeforeEach
  void context() {
    context = redis.vertx().getOrCreateContext();
  }

  /** A recorder on one context, as its worker verticle owns it. */
  private OutcomeRecorder recorder(long lingerMs) {
    return recorder(() -> lingerMs);
  }

  private OutcomeRecorder recorder(LongSupplier lingerMs) {
    DeliveryStore store = new DeliveryStore(new Scripts(redis.client()), redis.keys, "n1");
    // finish is in the server's script cache first (a call with no outcomes), so that each finish
    // below is one EVALSHA
    redis.run(Script.FINISH, redis.keys.finish("n1"), List.of("n1", 1, 1000, 60_000, 7));
    callsBefore = redis.scriptCalls();
    return new OutcomeRecorder(redis.vertx(), store, new DeliveryStore.RetryPolicy(1, 1000, 60_000), NodeMetrics.OFF,
        () -> {}, OutcomeRecorder.NO_RIDE, lingerMs);
  }

  /** {@code count} outcomes added, then a flush, on the recorder's context: one event-loop turn. */
  private void finishedInOneTurn(OutcomeRecorder recorder, int from, int count) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      for (int i = from; i < from + count; i++) {
        recorder.add("no-such-claim", i, 1, "");
      }
      recorder.flush();
      done.complete(null);
    });
    done.orTimeout(5, TimeUnit.SECONDS).join();
  }

  private long finishCalls() {
    return redis.scriptCalls() - callsBefore;
  }

  private void awaitDropped(long outcomes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (redis.stat("stale_dropped") < outcomes && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(redis.stat("stale_dropped")).isEqualTo(outcomes);
  }

  /** All {@code outcomes} recorded (dropped as stale), in one finish call. */
  private void awaitInOneCall(long outcomes) throws InterruptedException {
    awaitDropped(outcomes);
    assertThat(finishCalls()).isEqualTo(1);
  }

  @Test
  void outcomesOfSeveralTurnsWaitForTheLingerAndGoInOneCall() throws InterruptedException {
    OutcomeRecorder recorder = recorder(2000);
    for (int turn = 0; turn < 5; turn++) {
      finishedInOneTurn(recorder, 1 + turn * 3, 3);
      Thread.sleep(10);
    }
    // a timer never fires early: some 50 ms after the first flush, nothing has been sent
    assertThat(finishCalls()).isZero();
    awaitInOneCall(15);
  }

  @Test
  void aWholeBatchGoesAtOnceWhateverTheLinger() throws InterruptedException {
    OutcomeRecorder recorder = recorder(60_000);
    finishedInOneTurn(recorder, 1, 10);
    finishedInOneTurn(recorder, 11, WorkerVerticle.MAX_BATCH - 10);
    awaitInOneCall(WorkerVerticle.MAX_BATCH);
  }

  /** A stopping worker's linger is 0: what lingers goes with the next flush, not with its timer. */
  @Test
  void outcomesLingeringGoAtTheFirstFlushOnceTheLingerIsZero() throws InterruptedException {
    AtomicLong linger = new AtomicLong(60_000);
    OutcomeRecorder recorder = recorder(linger::get);
    finishedInOneTurn(recorder, 1, 4);
    Thread.sleep(50);
    assertThat(finishCalls()).isZero();
    linger.set(0);
    finishedInOneTurn(recorder, 5, 0);
    awaitInOneCall(4);
  }

  @Test
  void withoutALingerEachTurnIsSentAsSoonAsNoCallIsOut() throws InterruptedException {
    OutcomeRecorder recorder = recorder(0);
    finishedInOneTurn(recorder, 1, 3);
    awaitDropped(3);
    finishedInOneTurn(recorder, 4, 3);
    awaitDropped(6);
    assertThat(finishCalls()).isEqualTo(2);
  }
}
