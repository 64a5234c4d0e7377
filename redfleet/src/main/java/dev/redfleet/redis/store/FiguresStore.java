package dev.redfleet.redis.store;

import dev.redfleet.redis.HashReply;
import dev.redfleet.redis.Keys;
import dev.redfleet.redis.Scripts;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures nodes publish for the page, the node summary and the bench, none of them fleet
 * state a guarantee rests on: each node's handled and failed totals ({@code nodetotals}), the
 * bench's pickup latency ({@code latency}, {@code latency:from}) and the counters' produced total.
 * Plain commands, no scripts.
 */
public final class FiguresStore {
  private final Scripts scripts;
  private final Keys keys;
  /** Every shard's keys, whose produced counters add up (the keys above alone with one shard). */
  private final List<Keys> shards;

  FiguresStore(Scripts scripts, Keys keys) {
    this(scripts, keys, List.of(keys));
  }

  /** With shards: the page's newest errors are those of {@code keys} (shard 0's), the produced total every shard's. */
  FiguresStore(Scripts scripts, Keys keys, List<Keys> shards) {
    this.scripts = scripts;
    this.keys = keys;
    this.shards = shards;
  }

  /** A node's totals as it published them. */
  public record NodeTotals(long handled, long failed) {}

  /**
   * What the page reads with a node's publication.
   *
   * @param totals every node's published totals, in the order Redis gave them
   * @param latestErrors the newest entries of the errors list, newest first
   */
  public record PageFigures(Map<String, NodeTotals> totals, List<ErrorStore.Entry> latestErrors) {}

  /**
   * Publishes {@code nodeId}'s totals and reads everyone's with the newest {@code errors} entries
   * of the errors list, pipelined in one round trip. A totals value not in the published form
   * fails the call.
   */
  public Future<PageFigures> publishTotals(String nodeId, long handled, long failed, int errors) {
    return scripts.batch(List.of(
            Request.cmd(Command.HSET).arg(keys.nodeTotals()).arg(nodeId).arg(handled + " " + failed),
            Request.cmd(Command.HGETALL).arg(keys.nodeTotals()),
            Request.cmd(Command.LRANGE).arg(keys.errors()).arg(0).arg(errors - 1)))
        .map(r -> new PageFigures(totals(r.get(1)), entries(r.get(2))));
  }

  /** Drops the published totals of {@code nodeIds} (a node that left, or nodes gone without a word). */
  public Future<Void> forgetTotals(Collection<String> nodeIds) {
    Request hdel = Request.cmd(Command.HDEL).arg(keys.nodeTotals());
    nodeIds.forEach(hdel::arg);
    return scripts.send(hdel).mapEmpty();
  }

  /** The counters' produced total; -1 when there is none yet. */
  public Future<Long> produced() {
    if (shards.size() == 1) {
      return scripts.send(Request.cmd(Command.HGET).arg(keys.stats()).arg("produced")).map(r -> r == null ? -1 : r.toLong());
    }
    List<Future<Response>> each = new java.util.ArrayList<>();
    for (Keys shard : shards) {
      each.add(scripts.send(Request.cmd(Command.HGET).arg(shard.stats()).arg("produced")));
    }
    return Future.all(each).map(all -> {
      long sum = -1;
      for (Future<Response> one : each) {
        if (one.result() != null) {
          sum = Math.max(0, sum) + one.result().toLong();
        }
      }
      return sum;
    });
  }

  /** From which Redis time (ms) the bench measures pickup latency; {@link Long#MAX_VALUE} while it does not. */
  public Future<Long> latencyFrom() {
    return scripts.send(Request.cmd(Command.GET).arg(keys.latencyFrom())).map(r -> r == null ? Long.MAX_VALUE : r.toLong());
  }

  /** Writes a worker's latency histogram (field {@code <nodeId>/<slot>}) and the node's clock error (µs), for the bench. */
  public Future<Void> reportLatency(String nodeId, String slot, String histogram, long clockErrorMicros) {
    return scripts.send(Request.cmd(Command.HSET).arg(keys.latency()).arg(nodeId + "/" + slot).arg(histogram)
        .arg(nodeId + "/clock-error-us").arg(clockErrorMicros)).mapEmpty();
  }

  private static Map<String, NodeTotals> totals(Response hash) {
    Map<String, NodeTotals> totals = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : HashReply.fields(hash).entrySet()) {
      String[] parts = entry.getValue().split(" ");
      totals.put(entry.getKey(), new NodeTotals(Long.parseLong(parts[0]), Long.parseLong(parts[1])));
    }
    return totals;
  }

  static List<ErrorStore.Entry> entries(Response page) {
    List<ErrorStore.Entry> entries = new ArrayList<>(page.size());
    for (Response raw : page) {
      String text = raw.toString();
      entries.add(new ErrorStore.Entry(text, Arrays.equals(raw.toBytes(), text.getBytes(StandardCharsets.UTF_8))));
    }
    return entries;
  }
}
