package dev.redfleet.handler;

import dev.redfleet.api.BlockingHandler;
import dev.redfleet.api.Handler;
import dev.redfleet.api.HandlerFactory;
import dev.redfleet.config.ConfigException;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a handler name: first a {@link HandlerFactory} of that name found through
 * {@link ServiceLoader}, then a class of that name implementing {@link Handler},
 * {@link BlockingHandler} or {@link HandlerFactory}, created with its public no-argument
 * constructor. Both are looked up on the class path plus every jar in the plugins directory. Every
 * problem is a {@link ConfigException}: one line naming the class and what is wrong.
 */
public final class HandlerLoader {
  private static final Logger log = LoggerFactory.getLogger(HandlerLoader.class);

  private HandlerLoader() {}

  public static HandlerSource load(String name, String pluginsDir) {
    if (name == null || name.isBlank()) {
      throw new ConfigException("handler must not be empty (the default is '" + SimulatedHandlerFactory.NAME + "')");
    }
    name = name.trim();
    ClassLoader loader = classLoader(pluginsDir);
    Map<String, HandlerFactory> factories = new LinkedHashMap<>();
    List<String> broken = new ArrayList<>();
    Iterator<HandlerFactory> found = ServiceLoader.load(HandlerFactory.class, loader).iterator();
    while (true) {
      try {
        if (!found.hasNext()) {
          break;
        }
        HandlerFactory factory = found.next();
        factories.putIfAbsent(factory.name(), factory);
      } catch (ServiceConfigurationError | LinkageError e) {
        // a broken provider must not hide the others; it is reported if the name is not found
        broken.add(describe(e));
      }
    }
    HandlerFactory byName = factories.get(name);
    if (byName != null) {
      return new HandlerSource("handler '" + name + "' (" + byName.getClass().getName() + ")", byName, false);
    }
    return fromClass(name, loader, factories.keySet(), broken);
  }

  private static HandlerSource fromClass(String name, ClassLoader loader, Iterable<String> known, List<String> broken) {
    Class<?> type;
    try {
      type = Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new ConfigException("handler '" + name + "': no handler of that name (known: " + String.join(", ", known)
          + ") and no such class on the class path" + (broken.isEmpty() ? "" : "; a HandlerFactory failed to load: " + broken.get(0)));
    } catch (LinkageError e) {
      throw new ConfigException("handler class " + name + " cannot be loaded: " + describe(e));
    }
    String what = "handler class " + type.getName();
    if (!Handler.class.isAssignableFrom(type) && !BlockingHandler.class.isAssignableFrom(type)
        && !HandlerFactory.class.isAssignableFrom(type)) {
      throw new ConfigException(what + " does not implement dev.redfleet.api.Handler, BlockingHandler or HandlerFactory");
    }
    if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
      throw new ConfigException(what + " is abstract: name a concrete class");
    }
    if (!Modifier.isPublic(type.getModifiers())) {
      throw new ConfigException(what + " is not public");
    }
    Constructor<?> constructor;
    try {
      constructor = type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new ConfigException(what + " has no public no-argument constructor");
    } catch (LinkageError e) {
      throw new ConfigException(what + " cannot be loaded: " + describe(e));
    }
    Object instance;
    try {
      instance = constructor.newInstance();
    } catch (InvocationTargetException e) {
      throw new ConfigException(what + ": its constructor threw " + describe(e.getCause()));
    } catch (ExceptionInInitializerError e) {
      throw new ConfigException(what + ": its static initializer threw " + describe(e.getCause() != null ? e.getCause() : e));
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      throw new ConfigException(what + " cannot be created: " + describe(e));
    }
    if (instance instanceof HandlerFactory factory) {
      return new HandlerSource("handler '" + factory.name() + "' (" + type.getName() + ")", factory, false);
    }
    String kind = instance instanceof Handler ? "asynchronous" : "blocking";
    return new HandlerSource(kind + " handler " + type.getName(), instance, true);
  }

  /**
   * The class path of this program, plus every {@code .jar} directly in {@code pluginsDir} (in name
   * order) when one is given.
   */
  static ClassLoader classLoader(String pluginsDir) {
    ClassLoader parent = HandlerLoader.class.getClassLoader();
    if (pluginsDir == null || pluginsDir.isBlank()) {
      return parent;
    }
    Path dir = Path.of(pluginsDir);
    if (!Files.isDirectory(dir)) {
      throw new ConfigException("plugins directory " + dir + " does not exist or is not a directory");
    }
    List<URL> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path jar : files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p)).sorted().toList()) {
        jars.add(jar.toUri().toURL());
      }
    } catch (IOException e) {
      throw new ConfigException("cannot read plugins directory " + dir + ": " + describe(e));
    }
    if (jars.isEmpty()) {
      log.warn("plugins directory {} holds no .jar file", dir);
    } else {
      log.info("plugins: {}", jars);
    }
    return new URLClassLoader("redfleet-plugins", jars.toArray(URL[]::new), parent);
  }

  /** A throwable as one line: simple class name and first line of its message. */
  static String describe(Throwable e) {
    String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
    return e.getClass().getSimpleName() + (message.isBlank() ? "" : ": " + message);
  }
}
