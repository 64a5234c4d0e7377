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

  /** With shards: the page's newest errors and the produced total are every shard's ({@code keys} the namespace's). */
  FiguresStore(Scripts scripts, Keys keys, List<Keys> shards) {
    this.scripts = scripts;
    this.keys = keys;
    this.shards = shards;
  }

  /** A node's totals as it published them. */
  public record NodeTotals(long handled, long failed) {}

  /**
   * An entry of a shard's errors list.
   *
   * @param shard the shard whose list holds it (0 with one shard)
   * @param entry the entry
   */
  public record ShardEntry(int shard, ErrorStore.Entry entry) {}

  /**
   * What the page reads with a node's publication.
   *
   * @param totals every node's published totals, in the order Redis gave them
   * @param latestErrors the newest entries of the errors lists, newest first
   */
  public record PageFigures(Map<String, NodeTotals> totals, List<ShardEntry> latestErrors) {}

  /**
   * Publishes {@code nodeId}'s totals and reads everyone's with the newest {@code errors} entries
   * of the errors list. With one shard that is one pipelined round trip. With shards the totals
   * (under the namespace's tag) and each shard's newest entries are read side by side, a request
   * per slot, and the newest {@code errors} of them all are kept, by their {@code "at"} time
   * (entries without one count as oldest). A totals value not in the published form fails the call.
   */
  public Future<PageFigures> publishTotals(String nodeId, long handled, long failed, int errors) {
    Request publish = Request.cmd(Command.HSET).arg(keys.nodeTotals()).arg(nodeId).arg(handled + " " + failed);
    Request everyone = Request.cmd(Command.HGETALL).arg(keys.nodeTotals());
    if (shards.size() == 1) {
      return scripts.batch(List.of(publish, everyone, Request.cmd(Command.LRANGE).arg(keys.errors()).arg(0).arg(errors - 1)))
          .map(r -> new PageFigures(totals(r.get(1)), tagged(0, entries(r.get(2)))));
    }
    Future<Response> totals = scripts.batch(List.of(publish, everyone)).map(r -> r.get(1));
    List<Future<Response>> lists = new ArrayList<>(shards.size());
    for (Keys shard : shards) {
      lists.add(scripts.send(Request.cmd(Command.LRANGE).arg(shard.errors()).arg(0).arg(errors - 1)));
    }
    List<Future<?>> all = new ArrayList<>(lists);
    all.add(totals);
    return Future.all(all).map(done -> {
      List<ShardEntry> merged = new ArrayList<>();
      for (int s = 0; s < lists.size(); s++) {
        merged.addAll(tagged(s, entries(lists.get(s).result())));
      }
      // newest first; a stable sort keeps each list's own order among equal times
      merged.sort(java.util.Comparator.comparingLong((ShardEntry e) -> at(e.entry().text())).reversed());
      return new PageFigures(totals(totals.result()), List.copyOf(merged.subList(0, Math.min(errors, merged.size()))));
    });
  }

  private static List<ShardEntry> tagged(int shard, List<ErrorStore.Entry> entries) {
    List<ShardEntry> tagged = new ArrayList<>(entries.size());
    for (ErrorStore.Entry e : entries) {
      tagged.add(new ShardEntry(shard, e));
    }
    return tagged;
  }

  private static final java.util.regex.Pattern AT = java.util.regex.Pattern.compile("\"at\":(\\d{1,18})[,}]");

  /**
   * An entry's {@code "at"} (Redis time, ms), -1 without one. Its last match: quotes inside a
   * body or raw text are escaped, and a header's value is text, so only the entry's own field
   * matches (it comes after the message's fields).
   */
  static long at(String entry) {
    java.util.regex.Matcher m = AT.matcher(entry);
    long at = -1;
    while (m.find()) {
      at = Long.parseLong(m.group(1));
    }
    return at;
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
