package dev.redfleet.cli;

import dev.redfleet.bench.Benchmark;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measure the fleet on this machine: start a private redis-server (or use --redis),",
        "start --processes fleet processes of this jar with interval 0 and --limit N, wait until",
        "every message has an outcome, and report. Progress goes to stderr, the report to stdout."})
public final class BenchCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--processes", paramLabel = "P", description = "Fleet processes, one of which generates (default 3).")
  int processes = 3;
  @Option(names = "--limit", paramLabel = "N", description = "Messages to produce and finish (default 1000000).")
  long messages = 1_000_000;
  @Option(names = "--max-delay-ms", paramLabel = "MS", description = "Handler delay uniform in [0, MS); 0 for the raw pipeline (default 1000).")
  int maxDelayMs = 1000;
  @Option(names = "--error-rate", paramLabel = "P", description = "Handler failure probability (default 0.15).")
  double errorRate = 0.15;
  @Option(names = "--workers", paramLabel = "N", description = "Worker verticles per process (default 2).")
  int workers = 2;
  @Option(names = "--concurrency", paramLabel = "N", description = "Messages in flight per worker verticle (default 20000).")
  int concurrency = 20_000;
  @Option(names = "--batch-size", paramLabel = "N", description = "Messages per produce call (default 1000).")
  int batchSize = 1000;
  @Option(names = "--idle-seconds", paramLabel = "S",
      description = "Instead of a throughput run: measure CPU% of an idle fleet at the 500 ms interval for S seconds.")
  long idleSeconds;
  @Option(names = "--redis", paramLabel = "URL", description = "Use this Redis (a fresh namespace) instead of a private redis-server.")
  String redis;
  @Option(names = "--json", description = "Print the report as one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (processes < 1 || messages < 1 || workers < 1 || concurrency < 1 || maxDelayMs < 0 || batchSize < 1
        || idleSeconds < 0 || !(errorRate >= 0 && errorRate <= 1)) {
      throw new ParameterException(spec.commandLine(),
          "--processes, --limit, --workers, --concurrency and --batch-size must be at least 1, --max-delay-ms and --idle-seconds zero or more, --error-rate between 0 and 1");
    }
    if (processes < 2 && idleSeconds == 0) {
      throw new ParameterException(spec.commandLine(), "--processes must be at least 2: the generator handles no messages");
    }
    JsonObject report = new Benchmark(new Benchmark.Options(processes, messages, workers, concurrency, maxDelayMs,
        errorRate, batchSize, idleSeconds, redis), System.err).run();
    System.out.println(json ? report.encode() : human(report));
    return 0;
  }

  private static String human(JsonObject r) {
    StringBuilder b = new StringBuilder();
    for (String field : r.fieldNames()) {
      Object v = r.getValue(field);
      String text = v instanceof Long l ? String.format(Locale.ROOT, "%,d", l) : String.valueOf(v);
      if (field.endsWith("_bytes") && v instanceof Long l) {
        text = String.format(Locale.ROOT, "%,d (%.1f MiB)", l, l / 1048576.0);
      }
      b.append(String.format(Locale.ROOT, "%-26s %s%n", field, text));
    }
    return b.toString().stripTrailing();
  }
}
