package dev.redfleet.cli;

import dev.redfleet.config.ConfigException;
import java.io.PrintWriter;
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
    subcommands = {RunCommand.class, GetErrorsCommand.class, StatusCommand.class, BenchCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:unexpected failure",
        "2:bad usage or bad configuration",
        "3:Redis unreachable (one-shot commands)"})
public final class Main implements Runnable {
  public static final int BAD_USAGE = 2;
  public static final int REDIS_UNREACHABLE = 3;

  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setParameterExceptionHandler((e, a) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("redfleet: " + e.getMessage() + " (try --help)");
      err.flush();
      return BAD_USAGE;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parsed) -> {
      PrintWriter err = commandLine.getErr();
      int code;
      if (e instanceof ConfigException) {
        err.println("redfleet: bad configuration: " + e.getMessage());
        code = BAD_USAGE;
      } else if (e instanceof RedisUnreachableException) {
        err.println("redfleet: " + e.getMessage());
        code = REDIS_UNREACHABLE;
      } else {
        String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage().lines().findFirst().orElse("");
        err.println("redfleet: " + message);
        code = 1;
      }
      err.flush();
      return code;
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command: run, getErrors or status");
  }

  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"redfleet " + (version == null ? "development build" : version)};
    }
  }
}
