package dev.redfleet.cli;

import dev.redfleet.demo.Demo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"A fleet on this machine in one command: starts a private redis-server (or uses --redis, in a",
        "fresh namespace) and a few fleet processes, shows the fleet once a second and the live page's",
        "address, SIGKILLs the generator, shows the takeover and that no message was lost, prints the",
        "first error entries, and stops everything it started (also on Ctrl-C). Exit 0 when the audit is clean."})
public final class DemoCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--nodes", paramLabel = "N", description = "Fleet processes, 2 to 8 (default 3).")
  int nodes = 3;
  @Option(names = "--seconds", paramLabel = "S", description = "How long the generator produces, 50 messages a second (default 20).")
  int seconds = 20;
  @Option(names = "--kill-after", paramLabel = "S", description = "SIGKILL the generator S seconds after the first message (default 6).")
  int killAfter = 6;
  @Option(names = "--redis", paramLabel = "URL", description = "Use this Redis (a fresh namespace, deleted at the end) instead of a private redis-server.")
  String redis;

  @Override
  public Integer call() throws Exception {
    if (nodes < 2 || nodes > 8 || seconds < 1 || seconds > 3600 || killAfter < 0 || killAfter > 3600) {
      throw new ParameterException(spec.commandLine(),
          "--nodes must be 2 to 8, --seconds 1 to 3600, --kill-after 0 to 3600");
    }
    return new Demo(new Demo.Options(nodes, seconds, killAfter, redis), System.out).run();
  }
}
