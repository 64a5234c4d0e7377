package dev.redfleet.cli;

/** Redis refused us for good (credentials, ACL permissions, TLS): exit code 4, never retried. */
final class RedisRefusedException extends RuntimeException {
  RedisRefusedException(String message) {
    super(message, null, false, false);
  }
}
