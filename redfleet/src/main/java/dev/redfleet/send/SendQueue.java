package dev.redfleet.send;

import dev.redfleet.redis.store.QueueStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The Java client's sends, handed over from any thread, grouped into send.lua calls of at most
 * {@link Sender#CHUNK} messages with at most {@code maxCalls} calls in flight. While the calls in
 * flight are full, new sends wait here and go out together in the next call: many single sends
 * at once cost a few script calls, not one each, and never overflow the Redis pool's own bounded
 * wait queue. On one connection the calls run in the order they were made, so sends made one
 * after the other enter the fleet's queue in that order. Nothing here blocks; the lock guards
 * only the queue and counters.
 */
final class SendQueue {
  /** One submission (a send or a sendAll): its ids fill in as its calls answer. */
  private static final class Job {
    final long[] ids;
    final Promise<List<Long>> promise = Promise.promise();
    /** The caller's Vert.x context, whose thread completes the future; null for a plain thread. */
    final Context context = Vertx.currentContext();
    int left;
    boolean done;

    Job(int size) {
      ids = new long[size];
      left = size;
    }
  }

  private record Item(QueueStore.Outgoing message, Job job, int index) {}

  private final Sender sender;
  private final int maxCalls;
  /** Turns a failed call into what the caller's future fails with (one line, no secrets). */
  private final Function<Throwable, Throwable> failure;
  private final ArrayDeque<Item> waiting = new ArrayDeque<>();
  private int inFlight;
  /**
   * Whether a call has succeeded since the start or the last failure. Until then one call at a
   * time: the first may meet NOSCRIPT and repeat as EVAL, and calls behind it would overtake it.
   */
  private boolean warm;
  private boolean closed;
  private Promise<Void> drained;

  SendQueue(Sender sender, int maxCalls, Function<Throwable, Throwable> failure) {
    this.sender = sender;
    this.maxCalls = maxCalls;
    this.failure = failure;
  }

  /** Sends messages that passed {@link Sender#check}; completes with their ids in order. */
  Future<List<Long>> submit(List<QueueStore.Outgoing> messages) {
    Job job = new Job(messages.size());
    synchronized (this) {
      if (closed) {
        return Future.failedFuture(new IllegalStateException("the redfleet client is closed"));
      }
      for (int i = 0; i < messages.size(); i++) {
        waiting.add(new Item(messages.get(i), job, i));
      }
    }
    if (messages.isEmpty()) {
      complete(job, null);
    }
    pump();
    return job.promise.future();
  }

  /** Refuses new sends; completes once every send already handed over has its answer. */
  Future<Void> close() {
    synchronized (this) {
      closed = true;
      if (drained == null) {
        drained = Promise.promise();
      }
      if (inFlight == 0 && waiting.isEmpty()) {
        drained.tryComplete();
      }
      return drained.future();
    }
  }

  /** Starts calls while there is room in flight and messages waiting. */
  private void pump() {
    while (true) {
      List<Item> call;
      synchronized (this) {
        if (inFlight >= (warm ? maxCalls : 1) || waiting.isEmpty()) {
          if (inFlight == 0 && waiting.isEmpty() && drained != null) {
            drained.tryComplete();
          }
          return;
        }
        int n = Math.min(Sender.CHUNK, waiting.size());
        call = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          call.add(waiting.poll());
        }
        inFlight++;
      }
      List<QueueStore.Outgoing> messages = new ArrayList<>(call.size());
      for (Item item : call) {
        messages.add(item.message());
      }
      Future<long[]> answer;
      try {
        answer = sender.sendEncoded(messages);
      } catch (RuntimeException e) {
        answer = Future.failedFuture(e);
      }
      answer.onComplete(result -> {
        answered(call, result.succeeded() ? result.result() : null, result.cause());
        synchronized (this) {
          inFlight--;
          warm = result.succeeded();
        }
        pump();
      });
    }
  }

  private void answered(List<Item> call, long[] answer, Throwable cause) {
    long[] ids = null;
    Throwable error = cause == null ? null : failure.apply(cause);
    if (answer != null) {
      try {
        ids = answer;
        if (ids.length != call.size()) {
          throw new IllegalStateException("send.lua answered " + ids.length + " ids for " + call.size() + " messages");
        }
      } catch (RuntimeException unexpected) {
        error = new IllegalStateException("unexpected answer from Redis to a send: " + unexpected.getMessage());
      }
    }
    for (int i = 0; i < call.size(); i++) {
      Item item = call.get(i);
      Job job = item.job();
      boolean finished;
      synchronized (job) {
        if (job.done) {
          continue;
        }
        if (error != null) {
          job.done = true;
          finished = true;
        } else {
          job.ids[item.index()] = ids[i];
          finished = --job.left == 0;
          job.done = finished;
        }
      }
      if (finished) {
        complete(job, error);
      }
    }
  }

  /** Completes a job's future on its caller's context, if it had one. */
  private static void complete(Job job, Throwable error) {
    Runnable completion = () -> {
      if (error != null) {
        job.promise.fail(error);
      } else {
        List<Long> ids = new ArrayList<>(job.ids.length);
        for (long id : job.ids) {
          ids.add(id);
        }
        job.promise.complete(ids);
      }
    };
    if (job.context == null || job.context == Vertx.currentContext()) {
      completion.run();
    } else {
      job.context.runOnContext(v -> completion.run());
    }
  }
}
