package dev.slipway.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Test;

/**
 * A subscriber's queue against a transport whose writes the test completes by hand: one send at a
 * time, what came meanwhile in the next batch in order, a replay sent first and once, a full queue
 * dropping the subscriber with the reason after the send in flight, and its close reported once.
 */
class SubscriberTest {
  /** A transport that records each send and completes it only when told. */
  private static final class Recording extends Subscriber {
    final List<List<Long>> sent = new ArrayList<>();
    final List<String> dropped = new ArrayList<>();
    Callback pending;
    int ended;
    Throwable failure;

    Recording(int buffer) {
      super(
          new Subscription(
              1, "feed", "feed", null, Subscription.Filter.ALL, Long.MAX_VALUE, 10, buffer));
    }

    @Override
    protected void send(List<Message> batch, boolean heartbeat, Callback done) {
      sent.add(batch.stream().map(Message::id).toList());
      pending = done;
    }

    @Override
    protected void drop(String reason, Callback done) {
      dropped.add(reason);
      pending = done;
    }

    @Override
    protected void end(Throwable failure) {
      ended++;
      this.failure = failure;
    }

    void complete() {
      Callback done = pending;
      pending = null;
      done.succeeded();
    }
  }

  private static Message message(long id) {
    return new Message(1, id, "feed", null, "{}");
  }

  @Test
  void one_send_at_a_time_and_what_came_meanwhile_in_the_next_batch_in_order() {
    var subscriber = new Recording(10);
    subscriber.replay(List.of());
    subscriber.offer(message(1));
    subscriber.offer(message(2));
    subscriber.offer(message(3));
    assertThat(subscriber.sent).containsExactly(List.of(1L));
    subscriber.complete();
    assertThat(subscriber.sent).containsExactly(List.of(1L), List.of(2L, 3L));
    subscriber.complete();
    assertThat(subscriber.pending).isNull();
  }

  @Test
  void a_replay_is_sent_first_and_each_message_once() {
    var subscriber = new Recording(10);
    subscriber.offer(message(5)); // published while the history was read
    subscriber.offer(message(6));
    assertThat(subscriber.sent).isEmpty();
    subscriber.replay(List.of(message(4), message(5)));
    assertThat(subscriber.sent).containsExactly(List.of(4L, 5L, 6L));
    subscriber.complete();
    // announced late, after the history that had it was read and sent (RealtimeTest saw it twice)
    subscriber.offer(message(4));
    subscriber.offer(message(7));
    assertThat(subscriber.sent).containsExactly(List.of(4L, 5L, 6L), List.of(7L));
  }

  @Test
  void a_full_queue_drops_the_subscriber_after_the_send_in_flight_and_closes_it_once() {
    var subscriber = new Recording(2);
    var closes = new AtomicInteger();
    subscriber.onClose(closes::incrementAndGet);
    subscriber.replay(List.of());
    subscriber.offer(message(1)); // in flight, the client not reading
    subscriber.offer(message(2));
    subscriber.offer(message(3));
    subscriber.offer(message(4)); // one more than the buffer
    assertThat(subscriber.isClosed()).isTrue();
    subscriber.offer(message(5)); // ignored
    subscriber.complete();
    assertThat(subscriber.dropped).singleElement().asString().contains("slow consumer");
    assertThat(subscriber.sent).containsExactly(List.of(1L));
    subscriber.complete();
    assertThat(subscriber.ended).isEqualTo(1);
    assertThat(closes).hasValue(1);
    // a hub that registers it only now is told at once
    var late = new AtomicInteger();
    subscriber.onClose(late::incrementAndGet);
    assertThat(late).hasValue(1);
  }

  @Test
  void a_failed_send_ends_the_subscriber_with_the_failure() {
    var subscriber = new Recording(10);
    var closes = new AtomicInteger();
    subscriber.onClose(closes::incrementAndGet);
    subscriber.replay(List.of());
    subscriber.offer(message(1));
    subscriber.pending.failed(new java.io.IOException("reset by peer"));
    assertThat(subscriber.failure).hasMessage("reset by peer");
    assertThat(closes).hasValue(1);
    subscriber.offer(message(2));
    assertThat(subscriber.sent).hasSize(1);
  }
}
