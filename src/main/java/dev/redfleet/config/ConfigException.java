package dev.redfleet.config;

/** A configuration problem, with a message meant to be printed as one line to the operator. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
