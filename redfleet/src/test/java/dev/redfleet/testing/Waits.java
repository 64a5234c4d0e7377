package dev.redfleet.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling helpers for tests (the test thread, never an event loop). */
public final class Waits {
  private Waits() {}

  public static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls {@code condition} every 10 ms; fails with {@code what} if it is not true within {@code limit}. */
  public static long until(String what, Duration limit, BooleanSupplier condition) {
    long start = System.nanoTime();
    long deadline = start + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + limit.toMillis() + " ms waiting for: " + what);
      }
      pause(10);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }
}
