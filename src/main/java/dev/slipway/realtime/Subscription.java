package dev.slipway.realtime;

/**
 * What a caller subscribed to, once its channel's auth let it in: the org's topic, the messages it
 * is sent of it, and its bounds.
 *
 * @param endpoint the channel spec's name
 * @param caller the caller's name for logs, null on a public channel
 * @param filter which of the topic's messages the caller is sent
 * @param expiresAtMillis when the caller's credential expires (a JWT's {@code exp}): the subscriber
 *     is dropped then
 * @param history how many missed messages are sent after a reconnect with {@code Last-Event-ID}
 * @param buffer how many messages may wait to be sent before the subscriber is dropped
 */
public record Subscription(
    long orgId,
    String endpoint,
    String topic,
    String caller,
    Filter filter,
    long expiresAtMillis,
    int history,
    int buffer) {

  /** Which messages reach a subscriber. */
  @FunctionalInterface
  public interface Filter {
    Filter ALL = message -> true;

    boolean admits(Message message);
  }
}
