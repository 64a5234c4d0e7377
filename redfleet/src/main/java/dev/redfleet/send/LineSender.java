package dev.redfleet.send;

import dev.redfleet.api.NewMessage;
import dev.redfleet.api.SendOptions;
import dev.redfleet.redis.store.QueueStore;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Sends every line of an input as one message (the {@code send} command without a body) and
 * writes one line per input line, in input order: the message's id, or {@code -} for a line that
 * was refused (its reason goes to {@code refusals}). Lines go out in send.lua calls of up to
 * {@link Sender#CHUNK} messages with up to {@link #CALLS_IN_FLIGHT} calls on the wire; the ids of
 * each call are written and flushed as it answers. When the input has nothing more to give for
 * the moment (a person typing, {@code tail -f}), what was read is sent at once and its ids written
 * before waiting for more. On a client of one connection (the command's) the calls run in the
 * order they were made: ids increase with the input, and the messages enter the queue in input
 * order.
 *
 * <p>Blocks its caller (a command's main thread), never an event loop: it waits for the answers.
 */
public final class LineSender {
  /** send.lua calls on the wire at once: enough to keep Redis busy while the next one is built. */
  public static final int CALLS_IN_FLIGHT = 8;
  /** Refused lines held in one batch at most, so a long run of them still gets its "-" lines out. */
  private static final int MAX_SLOTS = 4 * Sender.CHUNK;

  /** How an input went: lines read, messages sent, lines refused. */
  public record Result(long lines, long sent, long refused) {}

  /**
   * A send.lua call failed: the ids of the calls before it were written, nothing after. The
   * lines from {@code firstUnconfirmedLine} on may or may not have been added.
   */
  public static final class CallFailed extends Exception {
    public final long idsWritten;
    public final long firstUnconfirmedLine;

    CallFailed(Throwable cause, long idsWritten, long firstUnconfirmedLine) {
      super(cause.getMessage(), cause);
      this.idsWritten = idsWritten;
      this.firstUnconfirmedLine = firstUnconfirmedLine;
    }
  }

  /** The lines of one call: its messages, and which of its slots were refused lines. */
  private static final class Batch {
    final long firstLine;
    final List<QueueStore.Outgoing> messages = new ArrayList<>(Sender.CHUNK);
    final List<Boolean> refused = new ArrayList<>(Sender.CHUNK);
    Future<long[]> answer;

    Batch(long firstLine) {
      this.firstLine = firstLine;
    }
  }

  private final Sender sender;
  private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
  /**
   * Whether a call has answered. Until then one call at a time: the first may meet NOSCRIPT and
   * repeat as EVAL, and calls behind it would overtake it (ids out of input order).
   */
  private boolean warm;
  private long idsWritten;
  private long sent;

  public LineSender(Sender sender) {
    this.sender = sender;
  }

  /**
   * Reads {@code lines} to their end, each sent with {@code options}.
   *
   * @param refusals gets {@code line N: <reason>} for each refused line, as it is read
   * @throws IOException when {@code out} cannot be written (the lines read so far were sent)
   */
  public Result send(LineReader lines, SendOptions options, Writer out, Consumer<String> refusals)
      throws IOException, CallFailed {
    long lineNumber = 0;
    long refusedLines = 0;
    Batch batch = new Batch(1);
    LineReader.Line line;
    while ((line = lines.next()) != null) {
      lineNumber++;
      String reason = line.refused();
      NewMessage message = null;
      if (reason == null) {
        message = new NewMessage(line.text(), options);
        reason = sender.check(message);
      }
      if (reason != null) {
        refusedLines++;
        batch.refused.add(true);
        refusals.accept("line " + lineNumber + ": " + reason);
      } else {
        batch.refused.add(false);
        batch.messages.add(sender.encode(message));
      }
      boolean idle = !lines.ready();
      if (batch.messages.size() == Sender.CHUNK || batch.refused.size() >= MAX_SLOTS || idle) {
        dispatch(batch);
        batch = new Batch(lineNumber + 1);
        // write, in order, what has come back; wait when the input is idle or too much is on the wire
        boolean wait = idle || !warm;
        while (!inFlight.isEmpty() && (wait || inFlight.size() > CALLS_IN_FLIGHT || inFlight.peek().answer.isComplete())) {
          write(inFlight.poll(), out);
        }
        out.flush();
      }
    }
    dispatch(batch);
    while (!inFlight.isEmpty()) {
      write(inFlight.poll(), out);
    }
    out.flush();
    return new Result(lineNumber, sent, refusedLines);
  }

  private void dispatch(Batch batch) {
    if (batch.refused.isEmpty()) {
      return;
    }
    batch.answer = batch.messages.isEmpty() ? Future.succeededFuture() : sender.sendEncoded(batch.messages);
    inFlight.add(batch);
  }

  private void write(Batch batch, Writer out) throws IOException, CallFailed {
    long[] ids;
    try {
      long[] answer = batch.answer.await();
      ids = answer == null ? new long[0] : answer;
    } catch (Throwable e) {
      out.flush();
      throw new CallFailed(e, idsWritten, batch.firstLine);
    }
    int next = 0;
    for (boolean refused : batch.refused) {
      if (refused) {
        out.write("-\n");
      } else {
        out.write(Long.toString(ids[next++]));
        out.write('\n');
        idsWritten++;
      }
    }
    sent += next;
    warm |= !batch.messages.isEmpty();
  }
}
