package dev.redfleet.worker;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the worker verticles of one node have done, for the node's periodic summary line. Shared by
 * all worker verticles of the node (they run on different event loops, hence atomics).
 */
public final class WorkerActivity {
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  void started() {
    started.incrementAndGet();
  }

  void completed(boolean success) {
    (success ? succeeded : failed).incrementAndGet();
  }

  /** Messages handled (an outcome recorded or on its way), successes and failures. */
  public long handled() {
    return succeeded.get() + failed.get();
  }

  public long failed() {
    return failed.get();
  }

  /** Messages taken whose outcome is not known yet. */
  public long inFlight() {
    return Math.max(0, started.get() - handled());
  }
}
