package dev.redfleet.bench;

import dev.redfleet.api.NewMessage;
import dev.redfleet.redis.Scripts;
import dev.redfleet.send.Sender;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The bench's {@code --send} mode: messages come from outside the fleet, through the same
 * {@link Sender} as the send command, POST /messages and the Java client, while the fleet runs
 * {@code --source none}. Runs on its own thread and waits on Redis answers (never an event loop).
 */
final class BenchSender implements Runnable {
  /** Sends in flight at once when unpaced. */
  private static final int IN_FLIGHT = 4;

  private final Sender sender;
  private final long messages;
  private final long rate;
  private final int batch;
  private volatile Throwable failure;
  private volatile long sent;

  /** @param rate messages per second; 0 = as fast as Redis takes them, in lists of {@code batch} */
  BenchSender(Redis redis, dev.redfleet.redis.Shards shards, long messages, long rate, int batch) {
    this.sender = new Sender(new Scripts(redis), shards, 1_048_576, 60_000);
    this.messages = messages;
    this.rate = rate;
    this.batch = Math.min(batch, Sender.CHUNK);
  }

  Throwable failure() {
    return failure;
  }

  long sent() {
    return sent;
  }

  Thread start() {
    Thread thread = new Thread(this, "bench-sender");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  @Override
  public void run() {
    try {
      Deque<Future<List<Long>>> pending = new ArrayDeque<>();
      long started = System.nanoTime();
      long done = 0;
      while (done < messages) {
        long due = rate > 0 ? Math.min(messages, (System.nanoTime() - started) * rate / 1_000_000_000L + 1) : messages;
        int n = (int) Math.min(batch, due - done);
        if (n <= 0 || pending.size() >= IN_FLIGHT) {
          if (!pending.isEmpty() && (pending.size() >= IN_FLIGHT || rate == 0)) {
            pending.poll().await(Duration.ofSeconds(30));
          } else {
            TimeUnit.MICROSECONDS.sleep(200);
          }
          continue;
        }
        List<NewMessage> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          list.add(NewMessage.of("bench-" + (done + i)));
        }
        pending.add(sender.sendAll(list));
        done += n;
        sent = done;
      }
      while (!pending.isEmpty()) {
        pending.poll().await(Duration.ofSeconds(30));
      }
    } catch (Throwable e) {
      failure = e;
    }
  }

}
