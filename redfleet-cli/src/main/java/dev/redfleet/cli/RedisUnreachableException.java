package dev.redfleet.cli;

/** A one-shot command could not reach Redis: exit code 3. */
final class RedisUnreachableException extends RuntimeException {
  RedisUnreachableException(String message) {
    super(message, null, false, false);
  }
}
