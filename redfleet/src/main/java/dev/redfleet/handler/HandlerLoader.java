package dev.redfleet.handler;

import dev.redfleet.api.BlockingHandler;
import dev.redfleet.api.CompletionStageHandler;
import dev.redfleet.api.Handler;
import dev.redfleet.api.HandlerFactory;
import dev.redfleet.config.ConfigException;
import dev.redfleet.plugin.PluginClasses;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Resolves a handler name: first a {@link HandlerFactory} of that name found through
 * {@link ServiceLoader}, then a class of that name implementing {@link Handler},
 * {@link BlockingHandler} or {@link HandlerFactory}, created with its public no-argument
 * constructor. Both are looked up on the class path plus every jar in the plugins directory. Every
 * problem is a {@link ConfigException}: one line naming the class and what is wrong.
 */
public final class HandlerLoader {
  private HandlerLoader() {}

  public static HandlerSource load(String name, String pluginsDir) {
    if (name == null || name.isBlank()) {
      throw new ConfigException("handler must not be empty (the default is '" + SimulatedHandlerFactory.NAME + "')");
    }
    name = name.trim();
    ClassLoader loader = PluginClasses.classLoader(pluginsDir);
    PluginClasses.Found<HandlerFactory> found = PluginClasses.factories(HandlerFactory.class, loader, HandlerFactory::name);
    HandlerFactory byName = found.byName().get(name);
    if (byName != null) {
      return new HandlerSource("handler '" + name + "' (" + byName.getClass().getName() + ")", name, byName, false);
    }
    Object instance = PluginClasses.create("handler", name, loader, found.byName().keySet(), found.broken(), "HandlerFactory",
        List.of(Handler.class, BlockingHandler.class, CompletionStageHandler.class, HandlerFactory.class),
        "dev.redfleet.api.Handler, BlockingHandler, CompletionStageHandler or HandlerFactory");
    if (instance instanceof HandlerFactory factory) {
      return new HandlerSource("handler '" + factory.name() + "' (" + instance.getClass().getName() + ")", factory.name(), factory,
          false);
    }
    String kind = instance instanceof Handler ? "asynchronous" : instance instanceof BlockingHandler ? "blocking" : "completion-stage";
    return new HandlerSource(kind + " handler " + instance.getClass().getName(), HandlerSource.nameOf(instance.getClass()),
        instance, true);
  }

  /** A throwable as one line: simple class name and first line of its message. */
  static String describe(Throwable e) {
    return PluginClasses.describe(e);
  }
}
