package dev.redfleet.api;

import java.util.ServiceLoader;

/**
 * Entry points: {@link #client()} to send messages to a fleet, {@link #node()} to embed a node in
 * your own program:
 *
 * <pre>{@code
 * Redfleet.node()
 *     .handler(message -> Future.succeededFuture())   // or .blockingHandler(message -> { ... })
 *     .args(args)                                      // the options of `run`, e.g. --workers 4
 *     .set("concurrency", 64)                          // a setting by its config-file key
 *     .start()
 *     .onSuccess(node -> Runtime.getRuntime().addShutdownHook(new Thread(() -> node.stop().await())));
 * }</pre>
 */
public final class Redfleet {
  private Redfleet() {}

  /**
   * A builder for one fleet node with the same settings and sources as {@code run}. The
   * implementation is found through {@link ServiceLoader} (the redfleet jar registers it), so this
   * package depends on nothing else of redfleet.
   */
  public static NodeBuilder node() {
    return ServiceLoader.load(NodeBuilder.class, Redfleet.class.getClassLoader()).findFirst()
        .orElseThrow(() -> new IllegalStateException("no redfleet node implementation on the class path"));
  }

  /**
   * A builder for a client that sends messages to a fleet (the Java side of the {@code send}
   * command). Found through {@link ServiceLoader} like {@link #node()}.
   *
   * <pre>{@code
   * RedfleetClient client = Redfleet.client().redis("redis://localhost:6379").namespace("orders").connect().await();
   * long id = client.send("hello", new SendOptions().setKey("order-42")).await();
   * }</pre>
   */
  public static ClientBuilder client() {
    return ServiceLoader.load(ClientBuilder.class, Redfleet.class.getClassLoader()).findFirst()
        .orElseThrow(() -> new IllegalStateException("no redfleet client implementation on the class path"));
  }
}
