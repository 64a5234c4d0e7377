package dev.redfleet.api;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How one message is sent, beyond its body: a dedup key, a delay or a due time, and headers. All
 * optional; a default instance sends the message to the queue at once.
 *
 * <pre>{@code
 * new SendOptions().setKey("order-42").setDelay(Duration.ofMinutes(5)).addHeader("traceparent", tp)
 * }</pre>
 *
 * Limits (checked when sent; a message over them fails alone with one line): a key of 1 to 1,024
 * characters; at most 64 headers, names of 1 to 256 characters from the HTTP token set
 * ({@code A-Z a-z 0-9 ! # $ % & ' * + - . ^ _ ` | ~}), values of at most 8,192 characters; a delay
 * from 0 to 10 years. The body's own limit is the {@code maxBodyBytes} setting (1 MiB by default).
 */
public final class SendOptions {
  private String key;
  private Duration delay;
  private Instant at;
  private final Map<String, String> headers = new LinkedHashMap<>();

  /**
   * The dedup key: the first send with a key within the {@code dedupWindowMs} setting (24 h by
   * default) creates the message; later sends with it return the same id and add nothing.
   */
  public SendOptions setKey(String key) {
    this.key = key;
    return this;
  }

  /** Due this long after it is sent, on the Redis clock; replaces {@link #setAt}. */
  public SendOptions setDelay(Duration delay) {
    this.delay = delay;
    this.at = null;
    return this;
  }

  /** Due at this time, on the Redis clock (a time already past means now); replaces {@link #setDelay}. */
  public SendOptions setAt(Instant at) {
    this.at = at;
    this.delay = null;
    return this;
  }

  /** Adds (or replaces) one header; the handler sees it in {@link Message#headers()}. */
  public SendOptions addHeader(String name, String value) {
    headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return this;
  }

  public String getKey() {
    return key;
  }

  public Duration getDelay() {
    return delay;
  }

  public Instant getAt() {
    return at;
  }

  /** Read-only, in the order they were added. */
  public Map<String, String> getHeaders() {
    return Collections.unmodifiableMap(headers);
  }
}
