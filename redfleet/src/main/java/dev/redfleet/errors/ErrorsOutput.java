package dev.redfleet.errors;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Where {@code getErrors} prints, and how many of the printed lines the consumer has really taken.
 *
 * <p>A write into a pipe is not a read by the consumer: {@code getErrors | head -3} used to have
 * every write succeed (into the pipe buffer) and so deleted entries nobody ever saw. When standard
 * output is a pipe, this class asks the kernel how many bytes are still unread in it (FIONREAD,
 * through {@link FileInputStream#available()} on {@code /proc/self/fd/1}), and counts a line as
 * delivered only once the consumer has read past its end. To a file, a terminal or anything else,
 * a successful write is a delivery.
 *
 * <p>Lines are written in small chunks, each flushed and checked, so a consumer that goes away is
 * noticed at the next chunk. What remains at risk: lines the consumer read but did not show (for
 * {@code head}, the rest of its read buffer, a few KiB).
 *
 * <p>Blocking: call it from a thread of its own, never from an event loop.
 */
public class ErrorsOutput {
  /** Lines per write: small, so that a closed pipe is noticed soon after the consumer left. */
  static final int CHUNK_LINES = 16;
  private static final long POLL_MS = 10;
  private static final long READER_SCAN_MS = 250;

  private final OutputStream out;
  private final Path pipe;
  private final String pipeName;
  /** Byte offset (since start) of the end of each line written and not yet counted delivered. */
  private final ArrayDeque<Long> lineEnds = new ArrayDeque<>();
  private long written;
  private long delivered;
  private boolean probeWorks = true;

  /** Writes to {@code out}; a successful write counts as delivered. */
  public ErrorsOutput(OutputStream out) {
    this(out, null, null);
  }

  private ErrorsOutput(OutputStream out, Path pipe, String pipeName) {
    this.out = out;
    this.pipe = pipe;
    this.pipeName = pipeName;
  }

  /** This process's standard output, with delivery tracking when it is a pipe (Linux). */
  public static ErrorsOutput stdout() {
    OutputStream raw = new FileOutputStream(FileDescriptor.out);
    Path self = Path.of("/proc/self/fd/1");
    try {
      String target = Files.readSymbolicLink(self).toString();
      if (target.startsWith("pipe:")) {
        return new ErrorsOutput(raw, self, target);
      }
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // not Linux, or no /proc: writes count as deliveries
    }
    return new ErrorsOutput(raw);
  }

  /** Thrown when the output cannot be written any more; says how many lines were delivered. */
  public static final class Closed extends IOException {
    public final long delivered;

    Closed(long delivered, IOException cause) {
      super(cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage(), cause);
      this.delivered = delivered;
    }
  }

  /**
   * Writes the lines, in chunks; returns how many lines (counted since the start) the consumer has
   * taken so far.
   */
  public long print(List<String> lines) throws Closed {
    StringBuilder chunk = new StringBuilder();
    int inChunk = 0;
    for (String line : lines) {
      chunk.append(line).append('\n');
      if (++inChunk == CHUNK_LINES) {
        writeChunk(chunk);
        chunk.setLength(0);
        inChunk = 0;
      }
    }
    if (inChunk > 0) {
      writeChunk(chunk);
    }
    return delivered();
  }

  /**
   * Waits until the consumer has taken every line written, or has gone away; returns how many lines
   * were delivered.
   */
  public long awaitDelivery() throws InterruptedException {
    long lastScan = 0;
    while (true) {
      long done = delivered();
      if (lineEnds.isEmpty()) {
        return done;
      }
      long now = System.nanoTime() / 1_000_000;
      if (now - lastScan >= READER_SCAN_MS) {
        lastScan = now;
        if (!anotherReader()) {
          return delivered();
        }
      }
      Thread.sleep(POLL_MS);
    }
  }

  /** Lines delivered so far. */
  public long delivered() {
    long unread;
    try {
      unread = probeWorks ? unread() : 0;
    } catch (IOException | SecurityException e) {
      // the pipe cannot be inspected here: from now on a successful write counts as a delivery,
      // as for a file (never a wait that cannot end)
      probeWorks = false;
      unread = 0;
    }
    long readUpTo = written - unread;
    while (!lineEnds.isEmpty() && lineEnds.peekFirst() <= readUpTo) {
      lineEnds.pollFirst();
      delivered++;
    }
    return delivered;
  }

  private void writeChunk(StringBuilder chunk) throws Closed {
    byte[] bytes = chunk.toString().getBytes(StandardCharsets.UTF_8);
    // line ends of this chunk, computed before the write so a failed write still knows them
    long offset = written;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        lineEnds.addLast(offset + i + 1);
      }
    }
    try {
      out.write(bytes);
      out.flush();
      written += bytes.length;
    } catch (IOException e) {
      // how much of a failed write reached the pipe is unknown: none of it counts
      while (!lineEnds.isEmpty() && lineEnds.peekLast() > written) {
        lineEnds.pollLast();
      }
      throw new Closed(delivered(), e);
    }
  }

  /** Bytes written and still unread by the consumer. */
  protected long unread() throws IOException {
    if (pipe == null) {
      return 0;
    }
    // a read end held only for this call: while we hold it, a pipe whose consumer left would not
    // answer EPIPE to the next write
    try (FileInputStream probe = new FileInputStream(pipe.toFile())) {
      return probe.available();
    }
  }

  /**
   * Whether a process other than this one holds the pipe open for reading. Processes this one
   * may not inspect count as no reader: the wait ends early and the unconfirmed lines go back to
   * the errors list (printed twice at worst, never lost).
   */
  private boolean anotherReader() {
    if (pipe == null) {
      return false;
    }
    String self = Long.toString(ProcessHandle.current().pid());
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path proc : procs) {
        if (proc.getFileName().toString().equals(self)) {
          continue;
        }
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
          for (Path fd : fds) {
            try {
              if (pipeName.equals(Files.readSymbolicLink(fd).toString()) && readable(proc, fd)) {
                return true;
              }
            } catch (IOException e) {
              // fd closed meanwhile
            }
          }
        } catch (IOException | SecurityException e) {
          // another user's process, or it ended
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  private static boolean readable(Path proc, Path fd) throws IOException {
    for (String line : Files.readAllLines(proc.resolve("fdinfo").resolve(fd.getFileName()))) {
      if (line.startsWith("flags:")) {
        int flags = Integer.parseInt(line.substring(6).trim(), 8);
        return (flags & 3) != 1;
      }
    }
    return false;
  }
}
