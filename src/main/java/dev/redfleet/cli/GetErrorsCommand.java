package dev.redfleet.cli;

import dev.redfleet.config.FleetConfig;
import dev.redfleet.errors.ErrorsReader;
import dev.redfleet.redis.Keys;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.BufferedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "getErrors", aliases = "get-errors", mixinStandardHelpOptions = true,
    description = {"Take all error entries out of Redis, print them (stdout) and delete them.",
        "Safe to run concurrently and to kill: nothing is lost, no entry goes to two readers."})
public final class GetErrorsCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(GetErrorsCommand.class);

  @Mixin
  CommonOptions common;

  @Option(names = "--json", description = "Print each entry as stored, one JSON object per line.")
  boolean json;

  @Option(names = "--limit", paramLabel = "N", description = "Take at most N entries (default: all).")
  long limit;

  @Option(names = "--keep", description = "Only show the entries; delete nothing.")
  boolean keep;

  @Override
  public Integer call() throws Exception {
    if (limit < 0) {
      throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
          "--limit must be zero or more, got " + limit);
    }
    Vertx vertx = Vertx.vertx();
    try {
      FleetConfig config = common.load(vertx, Map.of());
      Redis redis = CommonOptions.connect(vertx, config);
      PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
          false, StandardCharsets.UTF_8);
      ErrorsReader reader = new ErrorsReader(redis, new Keys(config.namespace()), "reader-" + config.nodeId());
      long printed = reader.read(new ErrorsReader.Options(json, limit, keep), out);
      log.info("{} {} error entr{}", keep ? "showed" : "took", printed, printed == 1 ? "y" : "ies");
      return 0;
    } finally {
      vertx.close();
    }
  }
}
