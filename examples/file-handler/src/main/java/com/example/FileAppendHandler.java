package com.example;

import dev.redfleet.api.BlockingHandler;
import dev.redfleet.api.Message;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A redfleet handler that does real I/O: it appends each message to a file as one line,
 * {@code <id> TAB <attempt> TAB <body>}. The file is named by the system property
 * {@code file.handler.path} or the environment variable {@code FILE_HANDLER_PATH}.
 *
 * <p>Blocking kind: file writes block, so redfleet runs it on its handler pool. Each line is one
 * write to a file opened for appending, so several processes can share one file on a local disk
 * without tearing lines. A message redelivered after its worker died is appended again: consumers
 * of the file should key by id (the id column) if that matters.
 */
public final class FileAppendHandler implements BlockingHandler, AutoCloseable {
  private final Path path;
  private final FileChannel file;

  public FileAppendHandler() throws IOException {
    String name = System.getProperty("file.handler.path", System.getenv("FILE_HANDLER_PATH"));
    if (name == null || name.isBlank()) {
      throw new IllegalStateException("set FILE_HANDLER_PATH (or -Dfile.handler.path) to the file to append to");
    }
    this.path = Path.of(name);
    this.file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  @Override
  public void handle(Message message) throws IOException {
    String line = message.id() + "\t" + message.attempt() + "\t" + message.body() + "\n";
    ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
    while (bytes.hasRemaining()) {
      file.write(bytes);
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }

  @Override
  public String toString() {
    return "FileAppendHandler(" + path + ")";
  }
}
