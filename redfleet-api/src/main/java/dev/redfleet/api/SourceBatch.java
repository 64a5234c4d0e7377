package dev.redfleet.api;

import java.util.List;

/**
 * What {@link Source#next} answers: the items after the cursor it was asked from, and the cursor
 * after them.
 *
 * @param items read-only; empty means nothing now
 * @param cursor the position after the last item; required (non-empty) when there are items, and
 *     then different from the cursor asked from. With no items, null or the cursor asked from
 *     means "unchanged"; another value is committed as it is
 */
public record SourceBatch(List<SourceItem> items, String cursor) {
  public SourceBatch {
    items = items == null ? List.of() : List.copyOf(items);
  }

  /** Items and the cursor after them. */
  public static SourceBatch of(List<SourceItem> items, String cursor) {
    return new SourceBatch(items, cursor);
  }

  /** Nothing now; the cursor stays as it is. */
  public static SourceBatch empty() {
    return new SourceBatch(List.of(), null);
  }

  /** Nothing now, but the position moves to {@code cursor} (committed without a message). */
  public static SourceBatch empty(String cursor) {
    return new SourceBatch(List.of(), cursor);
  }
}
