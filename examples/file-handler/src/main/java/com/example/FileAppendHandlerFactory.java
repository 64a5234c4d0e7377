package com.example;

import dev.redfleet.api.Handler;
import dev.redfleet.api.HandlerContext;
import dev.redfleet.api.HandlerFactory;

/**
 * Gives {@link FileAppendHandler} the short name {@code file-append}
 * ({@code run --plugins DIR --handler file-append}); listed in
 * {@code META-INF/services/dev.redfleet.api.HandlerFactory}.
 */
public final class FileAppendHandlerFactory implements HandlerFactory {
  @Override
  public String name() {
    return "file-append";
  }

  @Override
  public Handler create(HandlerContext context) throws Exception {
    return context.blocking(new FileAppendHandler());
  }
}
