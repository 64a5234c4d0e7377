package com.example;

import dev.redfleet.api.Source;
import dev.redfleet.api.SourceContext;
import dev.redfleet.api.SourceFactory;

/**
 * Gives {@link CounterSource} the short name {@code counter} ({@code run --plugins DIR --source
 * counter}); listed in {@code META-INF/services/dev.redfleet.api.SourceFactory}. How far it counts
 * comes from the system property {@code counter.source.to} or the environment variable
 * {@code COUNTER_SOURCE_TO}; without it the node stops before joining, with one line.
 */
public final class CounterSourceFactory implements SourceFactory {
  @Override
  public String name() {
    return "counter";
  }

  @Override
  public Source create(SourceContext context) {
    String to = System.getProperty("counter.source.to", System.getenv("COUNTER_SOURCE_TO"));
    if (to == null || !to.matches("\\d{1,18}")) {
      throw new IllegalStateException("set COUNTER_SOURCE_TO (or -Dcounter.source.to) to how far to count, got " + to);
    }
    return new CounterSource(Long.parseLong(to));
  }
}
