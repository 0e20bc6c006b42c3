package dev.slipway.http;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** A listener could not take its port: another process is listening on it. */
public final class PortInUseException extends RuntimeException {
  private final int port;

  private PortInUseException(int port, Throwable cause) {
    super("port " + port + " is in use", cause);
    this.port = port;
  }

  public int port() {
    return port;
  }

  /**
   * Fails when {@code port} cannot be listened on at {@code host} now, so that a start can stop
   * before it starts anything else. Port 0 (any free port) always can.
   */
  public static void requireFree(String host, int port) {
    if (port == 0) return;
    try (var socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw new PortInUseException(port, e);
    } catch (IOException e) {
      // another failure (an unknown host, say): the server's own start reports it
    }
  }

  /**
   * {@code failure} as a {@code PortInUseException} when binding {@code port} caused it, else
   * itself.
   */
  static Exception whenBinding(Exception failure, int port) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException) return new PortInUseException(port, failure);
    }
    return failure;
  }
}
