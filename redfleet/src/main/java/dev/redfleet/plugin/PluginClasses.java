package dev.redfleet.plugin;

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
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What loading handlers and sources by name share: the class loader of a plugins directory, the
 * factories {@link ServiceLoader} finds, and creating a class named by the user. Every problem is
 * a {@link ConfigException}: one line naming the class and what is wrong.
 */
public final class PluginClasses {
  private static final Logger log = LoggerFactory.getLogger(PluginClasses.class);

  private PluginClasses() {}

  /**
   * The class path of this program, plus every {@code .jar} directly in {@code pluginsDir} (in name
   * order) when one is given.
   */
  public static ClassLoader classLoader(String pluginsDir) {
    ClassLoader parent = PluginClasses.class.getClassLoader();
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

  /** The factories of a type found by {@link ServiceLoader}, by name (the first of a name wins). */
  public record Found<F>(Map<String, F> byName, List<String> broken) {}

  public static <F> Found<F> factories(Class<F> type, ClassLoader loader, Function<F, String> name) {
    Map<String, F> factories = new LinkedHashMap<>();
    List<String> broken = new ArrayList<>();
    Iterator<F> found = ServiceLoader.load(type, loader).iterator();
    while (true) {
      try {
        if (!found.hasNext()) {
          break;
        }
        F factory = found.next();
        factories.putIfAbsent(name.apply(factory), factory);
      } catch (ServiceConfigurationError | LinkageError e) {
        // a broken provider must not hide the others; it is reported if the name is not found
        broken.add(describe(e));
      }
    }
    return new Found<>(factories, broken);
  }

  /**
   * Loads class {@code name} (already known to be no factory name) and creates it with its public
   * no-argument constructor. {@code kind} is the setting ("handler", "source"); {@code types} the
   * classes it may implement, {@code typeNames} how to name them in the error.
   */
  public static Object create(String kind, String name, ClassLoader loader, Iterable<String> known,
      List<String> broken, String factoryType, List<Class<?>> types, String typeNames) {
    Class<?> type;
    try {
      type = Class.forName(name, false, loader);
    } catch (ClassNotFoundException e) {
      throw new ConfigException(kind + " '" + name + "': no " + kind + " of that name (known: " + String.join(", ", known)
          + ") and no such class on the class path" + (broken.isEmpty() ? "" : "; a " + factoryType + " failed to load: " + broken.get(0)));
    } catch (LinkageError e) {
      throw new ConfigException(kind + " class " + name + " cannot be loaded: " + describe(e));
    }
    String what = kind + " class " + type.getName();
    if (types.stream().noneMatch(t -> t.isAssignableFrom(type))) {
      throw new ConfigException(what + " does not implement " + typeNames);
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
    try {
      return constructor.newInstance();
    } catch (InvocationTargetException e) {
      throw new ConfigException(what + ": its constructor threw " + describe(e.getCause()));
    } catch (ExceptionInInitializerError e) {
      throw new ConfigException(what + ": its static initializer threw " + describe(e.getCause() != null ? e.getCause() : e));
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      throw new ConfigException(what + " cannot be created: " + describe(e));
    }
  }

  /** A throwable as one line: simple class name and first line of its message. */
  public static String describe(Throwable e) {
    String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
    return e.getClass().getSimpleName() + (message.isBlank() ? "" : ": " + message);
  }

  /**
   * A plug-in's end, when its node leaves: closes the worker pool it ran on, then the plug-in
   * instance itself, off the event loop, if it is {@link AutoCloseable}. Never fails: a close that
   * throws is logged as "closing the WHAT failed".
   */
  public static io.vertx.core.Future<Void> close(io.vertx.core.Vertx vertx, io.vertx.core.WorkerExecutor pool,
      Object instance, String what) {
    io.vertx.core.Future<Void> closed = pool == null ? io.vertx.core.Future.succeededFuture()
        : pool.close().recover(e -> io.vertx.core.Future.succeededFuture());
    if (instance instanceof AutoCloseable closeable && vertx != null) {
      closed = closed.compose(v -> vertx.<Void>executeBlocking(() -> {
        try {
          closeable.close();
        } catch (Exception e) {
          log.warn("closing the {} failed: {}", what, describe(e));
        }
        return null;
      }).recover(e -> io.vertx.core.Future.succeededFuture()));
    }
    return closed;
  }
}
