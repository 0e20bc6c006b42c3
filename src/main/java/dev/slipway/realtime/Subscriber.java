package dev.slipway.realtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * One subscriber's way out: the messages waiting for it, at most its subscription's buffer, sent
 * one batch at a time by the transport ({@link #send}); a message more than the buffer holds drops
 * the subscriber, which is sent the reason ({@link #drop}) and closed. Nothing is ever buffered
 * without bound: a client that stops reading loses its subscription, not the server its memory.
 *
 * <p>Until {@link #replay} is called the queue only fills: a subscriber that came back with {@code
 * Last-Event-ID} is sent what it missed first, then what was published meanwhile, once each.
 */
public abstract class Subscriber {
  /** About how many bytes of messages one send takes (at least one message). */
  static final int BATCH_BYTES = 64 * 1024;

  /**
   * The most bytes of messages that may wait for one subscriber, whatever its buffer: past them it
   * is dropped as one past its buffer is.
   */
  static final long MAX_QUEUED_BYTES = 8L << 20;

  /** The bytes of the messages in {@link #queue}. */
  private long queuedBytes;

  private final Subscription subscription;
  private final Pump pump = new Pump();
  private final ArrayDeque<Message> queue = new ArrayDeque<>();
  private boolean replaying = true;

  /**
   * The ids {@link #replay} sent from the history (a few: the subscription's history at most). The
   * listener may announce one of them after the history was read: it is not sent again.
   */
  private Set<Long> replayed = Set.of();

  private boolean heartbeatDue;
  private String dropReason;
  private boolean closed;
  private Runnable onClose = () -> {};

  /** Whether the transport has ended and {@link #onClose}'s action has run (or will at once). */
  private boolean finished;

  /** Which of the hub's fan-out threads hands this subscriber its messages. */
  int stripe;

  protected Subscriber(Subscription subscription) {
    this.subscription = subscription;
  }

  public final Subscription subscription() {
    return subscription;
  }

  /**
   * Sends {@code batch} (in order; a heartbeat first when {@code heartbeat}), then {@code done}.
   */
  protected abstract void send(List<Message> batch, boolean heartbeat, Callback done);

  /** Sends why the subscriber is dropped and ends its stream, then {@code done}. */
  protected abstract void drop(String reason, Callback done);

  /** Ends the transport: after a drop, or when sending failed ({@code failure} then). */
  protected abstract void end(Throwable failure);

  /**
   * Runs {@code action} once, when the subscriber is closed for any reason: at once when it is
   * already (a WebSocket's client may close it before the hub has it).
   */
  final void onClose(Runnable action) {
    synchronized (this) {
      if (!finished) {
        this.onClose = action;
        return;
      }
    }
    action.run();
  }

  /** Queues {@code message} when the filter admits it; drops the subscriber when it is full. */
  public final void offer(Message message) {
    if (!subscription.filter().admits(message)) return;
    synchronized (this) {
      if (closed || dropReason != null || replayed.contains(message.id())) return;
      long bytes = message.data().length();
      boolean tooLarge = queuedBytes + bytes > MAX_QUEUED_BYTES;
      if (queue.size() >= subscription.buffer() || tooLarge) {
        clearQueue();
        dropReason =
            "slow consumer: "
                + (tooLarge ? "8 MiB of" : subscription.buffer())
                + " messages were waiting to be sent; reconnect with Last-Event-ID to resume";
      } else {
        queue.add(message);
        queuedBytes += bytes;
      }
      if (replaying) return;
    }
    pump.iterate();
  }

  /** Sends a heartbeat soon (a comment or a ping), which also finds a client that has gone. */
  public final void heartbeat() {
    synchronized (this) {
      if (closed) return;
      heartbeatDue = true;
      if (dropReason == null && System.currentTimeMillis() >= subscription.expiresAtMillis()) {
        clearQueue();
        dropReason = "the caller's credential expired; subscribe again with a fresh one";
      }
      if (replaying) return;
    }
    pump.iterate();
  }

  /**
   * Sends {@code missed} (oldest first, filtered), then what was queued meanwhile that is not among
   * them, and from then on each message as it comes that is not among them.
   */
  public final void replay(List<Message> missed) {
    synchronized (this) {
      var ids = new HashSet<Long>();
      var first = new ArrayDeque<Message>();
      for (Message message : missed) {
        if (subscription.filter().admits(message) && ids.add(message.id())) first.add(message);
      }
      for (Message message : queue) if (!ids.contains(message.id())) first.add(message);
      replayed = ids;
      clearQueue();
      for (Message message : first) {
        queue.add(message);
        queuedBytes += message.data().length();
      }
      replaying = false;
    }
    pump.iterate();
  }

  /** Closes the subscriber without a word: its client went away, or the server stops. */
  public final void close() {
    synchronized (this) {
      if (closed) return;
      clearQueue();
      dropReason = null;
      closed = true;
    }
    pump.iterate();
  }

  private void clearQueue() {
    queue.clear();
    queuedBytes = 0;
  }

  /** Whether it was dropped or closed. */
  public final synchronized boolean isClosed() {
    return closed || dropReason != null;
  }

  /** Sends what waits, one batch at a time; never two sends at once. */
  private final class Pump extends IteratingCallback {
    @Override
    protected Action process() {
      List<Message> batch;
      boolean heartbeat;
      String reason;
      synchronized (Subscriber.this) {
        if (closed) return Action.SUCCEEDED;
        reason = dropReason;
        if (reason != null) {
          closed = true;
          heartbeat = false;
          batch = List.of();
        } else {
          if (replaying || (queue.isEmpty() && !heartbeatDue)) return Action.IDLE;
          // what waits, up to about 64 KiB a send: a slow subscriber's sends stay small
          batch = new ArrayList<>();
          int bytes = 0;
          while (!queue.isEmpty()
              && (batch.isEmpty() || bytes + queue.peek().data().length() <= BATCH_BYTES)) {
            Message next = queue.poll();
            bytes += next.data().length();
            queuedBytes -= next.data().length();
            batch.add(next);
          }
          heartbeat = heartbeatDue;
          heartbeatDue = false;
        }
      }
      if (reason != null) drop(reason, this);
      else send(batch, heartbeat, this);
      return Action.SCHEDULED;
    }

    @Override
    protected void onCompleteSuccess() {
      finish(null);
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
      synchronized (Subscriber.this) {
        closed = true;
        clearQueue();
      }
      finish(cause);
    }

    private void finish(Throwable failure) {
      Runnable action;
      synchronized (Subscriber.this) {
        finished = true;
        action = onClose;
      }
      try {
        end(failure);
      } finally {
        action.run();
      }
    }
  }
}
