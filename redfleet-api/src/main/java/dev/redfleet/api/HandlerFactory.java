package dev.redfleet.api;

/**
 * Gives a handler a short name for {@code run --handler NAME}. Found through
 * {@link java.util.ServiceLoader}: list the factory's class name in
 * {@code META-INF/services/dev.redfleet.api.HandlerFactory} inside your jar. The built-in
 * simulated handler is the factory named {@code simulated}.
 *
 * <p>A factory needs a public no-argument constructor. It is created when the node looks up
 * handler names, and {@link #create} is called once per node, before the node joins the fleet.
 */
public interface HandlerFactory {
  /** The short name, e.g. {@code file-append}. */
  String name();

  /**
   * Builds the node's handler. Throwing stops the node before it joins, with one line naming the
   * factory and the failure. For a blocking handler return {@code context.blocking(handler)}.
   */
  Handler create(HandlerContext context) throws Exception;
}
