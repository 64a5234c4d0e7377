package dev.redfleet.api;

/**
 * Gives a {@link Source} a short name for {@code run --source NAME}. Found through
 * {@link java.util.ServiceLoader}: list the factory's class name in
 * {@code META-INF/services/dev.redfleet.api.SourceFactory} inside your jar (a jar in the
 * {@code --plugins} directory, or on the class path). The built-in {@code lines} and
 * {@code schedule} sources are factories of those names.
 *
 * <p>A factory needs a public no-argument constructor. {@link #create} is called once per node,
 * before the node joins the fleet, on every node (any node may become the generator).
 */
public interface SourceFactory {
  /** The short name, e.g. {@code counter}. */
  String name();

  /**
   * Builds the node's source. Throwing stops the node before it joins, with one line naming the
   * factory and the failure: check settings here. For a blocking source return
   * {@code context.blocking(source)}.
   */
  Source create(SourceContext context) throws Exception;
}
