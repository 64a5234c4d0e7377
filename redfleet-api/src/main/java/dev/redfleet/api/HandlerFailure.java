package dev.redfleet.api;

/**
 * A failure with a reason of the handler's choosing: the message goes to the errors list with
 * {@code reason} as its {@code error}, exactly as given (whitespace runs become one space, at most
 * 200 characters). Cheap to create: it carries no stack trace.
 */
public final class HandlerFailure extends RuntimeException {
  public HandlerFailure(String reason) {
    super(reason, null, false, false);
  }

  public String reason() {
    return getMessage();
  }
}
