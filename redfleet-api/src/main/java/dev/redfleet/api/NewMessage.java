package dev.redfleet.api;

import java.util.Objects;

/**
 * A message to send ({@link RedfleetClient#sendAll}): its body and how to send it. The handler
 * sees the body as {@link Message#body()}, unchanged.
 *
 * @param body any text, at most {@code maxBodyBytes} bytes in UTF-8 (1 MiB by default)
 * @param options key, delay or due time, headers; {@code null} means none
 */
public record NewMessage(String body, SendOptions options) {
  public NewMessage {
    Objects.requireNonNull(body, "body");
    options = options == null ? new SendOptions() : options;
  }

  /** A message sent to the queue at once, with no key and no headers. */
  public static NewMessage of(String body) {
    return new NewMessage(body, new SendOptions());
  }

  /** A message sent with these options; the options are read when the message is sent, not later. */
  public static NewMessage of(String body, SendOptions options) {
    return new NewMessage(body, options);
  }
}
