package dev.redfleet.cli;

import dev.redfleet.config.ConfigException;
import dev.redfleet.config.RedisUrls;
import dev.redfleet.config.Visible;
import dev.redfleet.ops.IdentityVerticle;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code java -jar app-fat.jar <command>}: the launcher. */
@Command(name = "redfleet",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "A Redis-coordinated generator/worker fleet.",
    subcommands = {RunCommand.class, SendCommand.class, GetErrorsCommand.class, StatusCommand.class,
        RequeueErrorsCommand.class, PauseCommand.class, ResumeCommand.class, BenchCommand.class, DemoCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:unexpected failure; run: something in the process other than the node (a handler) called System.exit; "
            + "send: Redis answered the send with an error (a fleet key of the wrong type)",
        "2:bad usage or bad configuration; run: the node id is in use by a live process; send: a message or line was refused (too big, not UTF-8)",
        "3:Redis unreachable (one-shot commands)",
        "4:Redis refused us for good: credentials, ACL permissions or TLS (all commands)"})
public final class Main implements Runnable {
  public static final int BAD_USAGE = 2;
  public static final int REDIS_UNREACHABLE = 3;
  public static final int REDIS_REFUSED = 4;

  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    int status = execute(args);
    dev.redfleet.ops.ExitGuard.expect("the command ended with status " + status);
    System.exit(status);
  }

  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setParameterExceptionHandler((e, a) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println(errorLine(usageError(e) + " (try --help)"));
      err.flush();
      return BAD_USAGE;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
      PrintWriter err = commandLine.getErr();
      int code;
      if (e instanceof ConfigException) {
        err.println(errorLine("bad configuration: " + e.getMessage()));
        code = BAD_USAGE;
      } else if (e instanceof IdentityVerticle.NodeIdInUseException || e instanceof dev.redfleet.redis.store.DataFormat.MismatchException) {
        err.println(errorLine(e.getMessage()));
        code = BAD_USAGE;
      } else if (e instanceof RedisRefusedException) {
        err.println(errorLine(e.getMessage()));
        code = REDIS_REFUSED;
      } else if (e instanceof RedisUnreachableException) {
        err.println(errorLine(e.getMessage()));
        code = REDIS_UNREACHABLE;
      } else {
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage().lines().findFirst().orElse("");
        err.println(errorLine(message));
        code = 1;
      }
      err.flush();
      return code;
    });
    try {
      return cli.execute(args);
    } catch (Throwable t) {
      // a Redis error reply is a Throwable that is no Exception: picocli lets it through
      var permanent = dev.redfleet.redis.RedisFailures.permanent(t);
      String message = permanent.map(p -> "Redis refused the request: " + p.reason())
          .orElse(t.getMessage() == null ? t.getClass().getName() : t.getMessage().lines().findFirst().orElse(""));
      System.err.println(errorLine(message));
      return permanent.isEmpty() ? 1 : permanent.get().kind() == dev.redfleet.redis.RedisFailures.Kind.BAD_CONFIG ? BAD_USAGE : REDIS_REFUSED;
    }
  }

  /**
   * The one line a command prints on stderr when it fails: {@code redfleet: <text>}, passwords
   * redacted and control characters escaped (the text may quote an argument, a key or a reply).
   */
  public static String errorLine(String text) {
    return "redfleet: " + Visible.escape(RedisUrls.redact(text));
  }

  /** Looks like the name of an option that takes a secret, misspelled or not. */
  private static final java.util.regex.Pattern SECRET_OPTION =
      java.util.regex.Pattern.compile("(?i)^--?[\\w-]*(pas|pwd|token|secret|auth|cred)");

  /**
   * picocli's message for a usage error, except that an unknown option that looks like it takes
   * a secret ({@code --redis-pasword hunter2}) does not have its value quoted back: picocli would
   * list {@code 'hunter2'} as one more unknown argument.
   */
  static String usageError(ParameterException e) {
    if (!(e instanceof picocli.CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
      return e.getMessage();
    }
    List<String> shown = new java.util.ArrayList<>();
    boolean valueOfSecret = false;
    boolean hid = false;
    for (String arg : u.getUnmatched()) {
      boolean option = arg.startsWith("-");
      if (valueOfSecret && !option) {
        shown.add("'***'");
        hid = true;
      } else if (option && SECRET_OPTION.matcher(arg).find() && arg.contains("=")) {
        shown.add("'" + arg.substring(0, arg.indexOf('=') + 1) + "***'");
        hid = true;
      } else {
        shown.add("'" + arg + "'");
      }
      valueOfSecret = option && !arg.contains("=") && SECRET_OPTION.matcher(arg).find();
    }
    if (!hid) {
      return e.getMessage();
    }
    return "Unknown option" + (shown.size() == 1 ? "" : "s") + ": " + String.join(", ", shown);
  }

  @Override
  public void run() {
    // every command, as registered: the message cannot fall behind the list
    List<String> commands = List.copyOf(spec.subcommands().values().stream()
        .map(c -> c.getCommandName()).distinct().toList());
    throw new ParameterException(spec.commandLine(), "missing command: one of " + String.join(", ", commands));
  }

  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"redfleet " + (version == null ? "development build" : version)};
    }
  }
}
