package dev.redfleet.embed;

import dev.redfleet.config.Setting;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * The options of {@code run} given to {@link dev.redfleet.api.NodeBuilder#args}, read without a
 * command-line library (picocli belongs to redfleet-cli, not to a program that embeds a node): every
 * setting's {@link Setting#option} but {@code --http-token} (a secret stays off command lines, as in
 * {@code run}), and {@code --config FILE}; each as {@code --name value} or {@code --name=value}, once.
 */
record NodeArgs(Map<Setting, String> settings, Path configFile) {

  static final String CONFIG = "--config";

  /** @throws BadArgument with one line naming the first argument that is not an option of {@code run} */
  static NodeArgs parse(String... args) {
    Map<Setting, String> settings = new EnumMap<>(Setting.class);
    Path configFile = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      String name = arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
      Setting setting = optionOf(name);
      if (setting == null && !name.equals(CONFIG)) {
        throw new BadArgument(arg.startsWith("-") ? "Unknown option: '" + name + "'"
            : "Unmatched argument at index " + i + ": '" + arg + "'");
      }
      String value;
      if (name.length() < arg.length()) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new BadArgument("Missing required parameter for option '" + name + "'");
      }
      boolean again = setting == null ? configFile != null : settings.containsKey(setting);
      if (again) {
        throw new BadArgument("option '" + name + "' should be specified only once");
      }
      if (setting == null) {
        configFile = Path.of(value);
      } else {
        settings.put(setting, value);
      }
    }
    return new NodeArgs(settings, configFile);
  }

  /** An argument that is not an option of {@code run}: one line, reported as a bad argument. */
  static final class BadArgument extends RuntimeException {
    BadArgument(String message) {
      super(message, null, false, false);
    }
  }

  private static Setting optionOf(String name) {
    for (Setting s : Setting.values()) {
      if (s.option.equals(name) && s != Setting.HTTP_TOKEN) {
        return s;
      }
    }
    return null;
  }
}
