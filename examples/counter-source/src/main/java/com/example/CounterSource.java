package com.example;

import dev.redfleet.api.Source;
import dev.redfleet.api.SourceBatch;
import dev.redfleet.api.SourceItem;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A redfleet source that counts: the bodies {@code 1}, {@code 2}, ... up to {@code to}, each with
 * a header {@code n} holding the same number. The cursor is the last number emitted, so the source
 * is deterministic from its cursor: asked again from the same cursor it gives the same numbers,
 * which is what lets the fleet emit each number exactly once across generator failovers.
 *
 * <p>Asynchronous kind: it computes its answer at once and never blocks, so it runs on the
 * generator's event loop. A source that reads files or a database would implement
 * {@code BlockingSource} instead and be wrapped with {@code context.blocking(...)}.
 */
public final class CounterSource implements Source {
  private final long to;

  public CounterSource(long to) {
    this.to = to;
  }

  @Override
  public Future<SourceBatch> next(String cursor, int max) {
    long last;
    try {
      last = cursor == null ? 0 : Long.parseLong(cursor);
    } catch (NumberFormatException e) {
      return Future.failedFuture("cursor '" + cursor + "' is not a count: was this namespace used with another source?");
    }
    long end = Math.min(to, last + max);
    if (end <= last) {
      // counted to the end: nothing now, nor later
      return Future.succeededFuture(SourceBatch.empty());
    }
    List<SourceItem> items = new ArrayList<>((int) (end - last));
    for (long n = last + 1; n <= end; n++) {
      String text = Long.toString(n);
      items.add(SourceItem.of(text, Map.of("n", text)));
    }
    return Future.succeededFuture(SourceBatch.of(items, Long.toString(end)));
  }

  @Override
  public String toString() {
    return "CounterSource(1.." + to + ")";
  }
}
