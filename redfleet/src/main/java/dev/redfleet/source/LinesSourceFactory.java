package dev.redfleet.source;

import dev.redfleet.api.Source;
import dev.redfleet.api.SourceContext;
import dev.redfleet.api.SourceFactory;
import dev.redfleet.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The built-in {@code lines} source: {@code --source-file FILE}, which must exist and be readable
 * when the node starts (on every node: any of them may become the generator).
 */
public final class LinesSourceFactory implements SourceFactory {
  @Override
  public String name() {
    return "lines";
  }

  @Override
  public Source create(SourceContext context) {
    String file = context.settings().getString("sourceFile", "");
    if (file.isBlank()) {
      throw new ConfigException("source 'lines' needs a file: --source-file FILE (each of its lines is emitted once)");
    }
    Path path = Path.of(file);
    if (!Files.exists(path)) {
      throw new ConfigException("sourceFile " + path + " does not exist");
    }
    if (!Files.isRegularFile(path)) {
      throw new ConfigException("sourceFile " + path + " is not a regular file");
    }
    if (!Files.isReadable(path)) {
      throw new ConfigException("sourceFile " + path + " cannot be read (permissions)");
    }
    return context.blocking(new LinesSource(path, context.settings().getInteger("maxBodyBytes", 1_048_576)));
  }
}
