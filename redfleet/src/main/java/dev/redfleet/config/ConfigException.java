package dev.redfleet.config;

/**
 * A configuration problem, with a message meant to be printed as one line to the operator. The
 * message is redacted ({@link RedisUrls#redact}) again here: whatever a check quoted, no password
 * gets out.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(RedisUrls.redact(message), null, false, false);
  }
}
