package dev.redfleet.config;

/** Keeps passwords out of anything printed. */
public final class RedisUrls {
  private RedisUrls() {}

  /** {@code redis://user:secret@host:6379/0} becomes {@code redis://user:***@host:6379/0}. */
  public static String redact(String url) {
    if (url == null) {
      return null;
    }
    return url.replaceFirst("^([a-z]+://)([^:@/]*):[^@/]*@", "$1$2:***@")
        .replaceFirst("([?&]password=)[^&]*", "$1***");
  }
}
