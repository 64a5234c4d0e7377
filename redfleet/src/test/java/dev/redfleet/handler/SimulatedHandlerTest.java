package dev.redfleet.handler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.redfleet.api.Message;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulated handler's waits share one timer per event loop and millisecond: every message still
 * gets its own outcome, drawn with the error rate, and answers on the event loop that called it.
 */
class SimulatedHandlerTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Calls the handler {@code count} times on one event loop; what each answer was and on which thread. */
  private List<String> handleOnOneLoop(SimulatedHandler handler, int count) throws Exception {
    Context context = vertx.getOrCreateContext();
    CompletableFuture<List<String>> answers = new CompletableFuture<>();
    context.runOnContext(v -> {
      Thread loop = Thread.currentThread();
      List<Future<Void>> calls = new ArrayList<>();
      List<Thread> answeredOn = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        calls.add(handler.handle((Message) null).andThen(ar -> answeredOn.add(Thread.currentThread())));
      }
      Future.join(new ArrayList<>(calls)).onComplete(all -> {
        List<String> outcomes = new ArrayList<>();
        for (Future<Void> call : calls) {
          outcomes.add(call.succeeded() ? "ok" : call.cause().getMessage());
        }
        for (Thread t : answeredOn) {
          if (t != loop) {
            outcomes.add("answered on " + t.getName() + ", not on the calling event loop");
          }
        }
        answers.complete(outcomes);
      });
    });
    return answers.get(30, TimeUnit.SECONDS);
  }

  @Test
  void everyMessageOfASharedMillisecondGetsItsOwnOutcome() throws Exception {
    List<String> outcomes = handleOnOneLoop(new SimulatedHandler(vertx, 20, 0.3, 0), 5_000);
    long failed = outcomes.stream().filter(SimulatedHandler.FAILURE::equals).count();
    assertThat(outcomes).hasSize(5_000).allMatch(o -> o.equals("ok") || o.equals(SimulatedHandler.FAILURE));
    // 5,000 draws at 0.3: 1,500 expected, sd 32; a shared timer must not share the draw
    assertThat(failed).isBetween(1_300L, 1_700L);
  }

  @Test
  void aRateOfZeroOrOneIsKeptByEveryMessage() throws Exception {
    assertThat(handleOnOneLoop(new SimulatedHandler(vertx, 5, 0, 0), 500)).containsOnly("ok");
    assertThat(handleOnOneLoop(new SimulatedHandler(vertx, 5, 1, 0), 500)).containsOnly(SimulatedHandler.FAILURE);
  }

  @Test
  void offAnEventLoopEachMessageWaitsOnATimerOfItsOwn() throws Exception {
    Future<Void> answer = new SimulatedHandler(vertx, 5, 0, 0).handle((Message) null);
    answer.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(answer.succeeded()).isTrue();
  }
}
