package dev.redfleet.source;

import dev.redfleet.api.BlockingSource;
import dev.redfleet.api.SourceBatch;
import dev.redfleet.api.SourceItem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each line of a file once, following appends like {@code tail -F}. The cursor is the byte offset
 * after the last complete line emitted; a last line without its newline is not emitted until the
 * newline is written. A line is UTF-8 (a bad byte becomes U+FFFD), without its {@code \n} and a
 * {@code \r} before it; an empty line is an empty body. A line longer than {@code maxBodyBytes}
 * is skipped with a warning.
 *
 * <p>Deterministic from the cursor as long as the file only grows. When it does not:
 * <ul>
 *   <li>shorter than the cursor (truncated, or replaced by a shorter file): one warning, then
 *       nothing until it grows past the cursor again; lines before the cursor are never emitted
 *       again;
 *   <li>rewritten or replaced so that the cursor is no longer at a line start (the byte before it
 *       is not a newline): one warning, and emission goes on at the next line start;
 *   <li>missing (between a rename and a new file): one warning, then waits for it.
 * </ul>
 * Each call opens the file by its name, so a file replaced under the same name is followed.
 */
final class LinesSource implements BlockingSource {
  private static final Logger log = LoggerFactory.getLogger(LinesSource.class);
  /** Bytes read per read call. */
  static final int READ_CHUNK = 64 * 1024;
  /** A batch stops growing at this many body bytes, whatever max allows. */
  static final int MAX_BATCH_BYTES = 8 * 1024 * 1024;

  private final Path path;
  private final int maxBodyBytes;
  /** The last warning logged, so that a lasting condition is said once. */
  private volatile String warned;

  LinesSource(Path path, int maxBodyBytes) {
    this.path = path;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public SourceBatch next(String cursor, int max) throws IOException {
    long offset = offsetOf(cursor);
    FileChannel file;
    try {
      file = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      warnOnce("sourceFile " + path + " is missing: waiting for it to appear");
      return SourceBatch.empty();
    }
    try (file) {
      long size = file.size();
      if (size < offset) {
        warnOnce("sourceFile " + path + " is " + size + " bytes, shorter than the committed position " + offset
            + ": it was truncated or replaced; waiting until it grows past the position (lines before it are not emitted again)");
        return SourceBatch.empty();
      }
      if (size == offset) {
        return SourceBatch.empty();
      }
      if (offset > 0 && byteAt(file, offset - 1) != '\n') {
        return realign(file, offset);
      }
      warned = null;
      return read(file, offset, max);
    }
  }

  /** The cursor is not at a line start any more: the file was rewritten. Go on at the next line start. */
  private SourceBatch realign(FileChannel file, long offset) throws IOException {
    long next = offset;
    ByteBuffer buffer = ByteBuffer.allocate(READ_CHUNK);
    while (true) {
      buffer.clear();
      int n = file.read(buffer, next);
      if (n <= 0) {
        // no line start after it yet
        return SourceBatch.empty();
      }
      for (int i = 0; i < n; i++) {
        if (buffer.get(i) == '\n') {
          long lineStart = next + i + 1;
          warnOnce("sourceFile " + path + " was rewritten: the committed position " + offset
              + " is not at a line start any more; going on at the next one, " + lineStart);
          return SourceBatch.empty(Long.toString(lineStart));
        }
      }
      next += n;
    }
  }

  private SourceBatch read(FileChannel file, long offset, int max) throws IOException {
    List<SourceItem> items = new ArrayList<>(Math.min(max, 1024));
    ByteBuffer buffer = ByteBuffer.allocate(READ_CHUNK);
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    boolean tooLong = false;
    long position = offset;
    long afterLastLine = offset;
    long batchBytes = 0;
    while (items.size() < max && batchBytes < MAX_BATCH_BYTES) {
      buffer.clear();
      int n = file.read(buffer, position);
      if (n <= 0) {
        break;
      }
      int i = 0;
      for (; i < n && items.size() < max && batchBytes < MAX_BATCH_BYTES; i++) {
        byte b = buffer.get(i);
        if (b != '\n') {
          if (!tooLong) {
            line.write(b);
            // + 1: a \r before the newline is not part of the body
            tooLong = line.size() > maxBodyBytes + 1;
          }
          continue;
        }
        String body = body(line);
        if (tooLong || body == null) {
          log.warn("sourceFile {}: the line at byte {} is longer than maxBodyBytes ({}): skipped", path, afterLastLine, maxBodyBytes);
        } else {
          items.add(SourceItem.of(body));
          batchBytes += line.size();
        }
        afterLastLine = position + i + 1;
        line.reset();
        tooLong = false;
      }
      position += i;
    }
    return afterLastLine == offset ? SourceBatch.empty() : SourceBatch.of(items, Long.toString(afterLastLine));
  }

  /** The line's text without a final \r, or null when it is longer than maxBodyBytes in UTF-8. */
  private String body(ByteArrayOutputStream line) {
    byte[] bytes = line.toByteArray();
    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
    if (length > maxBodyBytes) {
      return null;
    }
    String text = new String(bytes, 0, length, StandardCharsets.UTF_8);
    // a bad byte (1) becomes U+FFFD (3 bytes): only a line near the limit can grow past it
    if (length * 3L > maxBodyBytes && text.getBytes(StandardCharsets.UTF_8).length > maxBodyBytes) {
      return null;
    }
    return text;
  }

  private static int byteAt(FileChannel file, long position) throws IOException {
    ByteBuffer one = ByteBuffer.allocate(1);
    return file.read(one, position) == 1 ? one.get(0) : -1;
  }

  static long offsetOf(String cursor) {
    if (cursor == null) {
      return 0;
    }
    try {
      long offset = Long.parseLong(cursor);
      if (offset >= 0) {
        return offset;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalStateException("the committed cursor '" + cursor + "' is not a byte offset: was this namespace"
        + " used with another source? Delete its key source:cursor to read the file from its start");
  }

  private void warnOnce(String warning) {
    if (!warning.equals(warned)) {
      warned = warning;
      log.warn(warning);
    }
  }
}
