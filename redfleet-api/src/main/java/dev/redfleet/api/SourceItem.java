package dev.redfleet.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One message a {@link Source} gives: its body and headers (which the handler sees in
 * {@link Message#headers()}). The limits of a sent message apply (see {@link SendOptions}): a
 * body of at most {@code maxBodyBytes}, at most 64 headers with names from the HTTP token set; the
 * generator refuses a batch with an item over them.
 *
 * @param body the payload, never null
 * @param headers read-only, in the order given; empty when there are none
 */
public record SourceItem(String body, Map<String, String> headers) {
  public SourceItem {
    Objects.requireNonNull(body, "body");
    headers = headers == null || headers.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(headers));
  }

  /** An item without headers. */
  public static SourceItem of(String body) {
    return new SourceItem(body, Map.of());
  }

  /** An item with headers, kept in the order of the map. */
  public static SourceItem of(String body, Map<String, String> headers) {
    return new SourceItem(body, headers);
  }
}
