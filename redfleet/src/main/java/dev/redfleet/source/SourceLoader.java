package dev.redfleet.source;

import dev.redfleet.api.BlockingSource;
import dev.redfleet.api.Source;
import dev.redfleet.api.SourceFactory;
import dev.redfleet.config.ConfigException;
import dev.redfleet.plugin.PluginClasses;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves a source name: {@code simulated} and {@code none} (modes of the generator itself), then
 * a {@link SourceFactory} of that name found through {@link java.util.ServiceLoader} (the built-in
 * {@code lines} and {@code schedule}, and plug-ins), then a class of that name implementing
 * {@link Source}, {@link BlockingSource} or {@link SourceFactory}, created with its public
 * no-argument constructor. Looked up on the class path plus every jar in the plugins directory.
 * Every problem is a {@link ConfigException}: one line.
 */
public final class SourceLoader {
  private SourceLoader() {}

  public static SourceSetup load(String name, String pluginsDir) {
    if (name == null || name.isBlank()) {
      throw new ConfigException("source must not be empty (the default is '" + SourceSetup.SIMULATED + "')");
    }
    name = name.trim();
    if (name.equals(SourceSetup.SIMULATED)) {
      return new SourceSetup(SourceSetup.Kind.SIMULATED, "simulated (random bodies)", null, false);
    }
    if (name.equals(SourceSetup.NONE)) {
      return new SourceSetup(SourceSetup.Kind.NONE, "none (the elected node emits nothing)", null, false);
    }
    ClassLoader loader = PluginClasses.classLoader(pluginsDir);
    PluginClasses.Found<SourceFactory> found = PluginClasses.factories(SourceFactory.class, loader, SourceFactory::name);
    SourceFactory byName = found.byName().get(name);
    if (byName != null) {
      return new SourceSetup(SourceSetup.Kind.PLUGGED, "source '" + name + "' (" + byName.getClass().getName() + ")", byName, false);
    }
    List<String> known = new ArrayList<>(List.of(SourceSetup.SIMULATED, SourceSetup.NONE));
    known.addAll(found.byName().keySet());
    Object instance = PluginClasses.create("source", name, loader, known, found.broken(), "SourceFactory",
        List.of(Source.class, BlockingSource.class, SourceFactory.class),
        "dev.redfleet.api.Source, BlockingSource or SourceFactory");
    if (instance instanceof SourceFactory factory) {
      return new SourceSetup(SourceSetup.Kind.PLUGGED, "source '" + factory.name() + "' (" + instance.getClass().getName() + ")",
          factory, false);
    }
    String kind = instance instanceof Source ? "asynchronous" : "blocking";
    return new SourceSetup(SourceSetup.Kind.PLUGGED, kind + " source " + instance.getClass().getName(), instance, true);
  }
}
