package dev.redfleet.api;

import java.util.Objects;

/** A message to send: its body and how to send it ({@link RedfleetClient#sendAll}). */
public record NewMessage(String body, SendOptions options) {
  public NewMessage {
    Objects.requireNonNull(body, "body");
    options = options == null ? new SendOptions() : options;
  }

  /** A message sent to the queue at once, with no key and no headers. */
  public static NewMessage of(String body) {
    return new NewMessage(body, new SendOptions());
  }

  public static NewMessage of(String body, SendOptions options) {
    return new NewMessage(body, options);
  }
}
