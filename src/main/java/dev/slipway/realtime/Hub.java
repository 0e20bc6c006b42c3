package dev.slipway.realtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.Json;
import dev.slipway.common.NamedThreads;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's subscribers, by org and topic, and the messages published for them: each
 * notification on {@link #CHANNEL} (sent by {@code slipway.publish} when a transaction that
 * published commits, on any instance) is offered to every subscriber of its topic here. Every few
 * seconds each subscriber is sent a heartbeat, and messages past their time are pruned.
 */
public final class Hub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Hub.class);

  /** The PostgreSQL notification channel that messages are announced on (migration V21). */
  public static final String CHANNEL = "slipway_realtime";

  /** How often each subscriber is sent a heartbeat: well within the data plane's idle timeout. */
  static final long HEARTBEAT_SECONDS = 15;

  private record Topic(long orgId, String name) {}

  private final History history;

  /**
   * Where the hub reads messages it was not sent: PostgreSQL's {@code slipway.channel_messages}.
   */
  public interface History {
    /** At most {@code limit} of the topic's latest messages after {@code afterId}, oldest first. */
    List<Message> after(long org, String topic, long afterId, int limit) throws SQLException;

    /** One message by its id. */
    java.util.Optional<Message> find(long id) throws SQLException;

    /** Deletes the messages past their time; how many. */
    int prune() throws SQLException;

    /** The latest message's id, 0 when there is none. */
    long latestId() throws SQLException;
  }

  private final Map<Topic, Set<Subscriber>> topics = new ConcurrentHashMap<>();

  /**
   * The latest message id heard of (or, before any, the latest in the history when the listener
   * first connected): where a catch-up after a lost listener connection starts.
   */
  private final AtomicLong highWater = new AtomicLong();

  /** Whether the listener connected before (only its thread reads and writes this). */
  private boolean connectedBefore;

  /**
   * The threads that hand messages to subscribers, one per core: each subscriber is always handed
   * its messages by the same one, in order, and a message for many subscribers is handed out by all
   * of them at once (each write to a socket is a system call: 10,000 of them take one thread over
   * 100 ms here).
   */
  private final java.util.concurrent.ExecutorService[] stripes;

  private final AtomicLong subscribed = new AtomicLong();
  private final ScheduledThreadPoolExecutor timer =
      new ScheduledThreadPoolExecutor(1, NamedThreads.daemon("realtime"));

  public Hub(History history) {
    this.history = history;
    timer.setRemoveOnCancelPolicy(true); // a closed subscriber's expiry goes with it
    this.stripes =
        new java.util.concurrent.ExecutorService[Runtime.getRuntime().availableProcessors()];
    for (int i = 0; i < stripes.length; i++)
      stripes[i] = Executors.newSingleThreadExecutor(NamedThreads.daemon("realtime-fan-out-" + i));
    timer.scheduleWithFixedDelay(
        this::heartbeat, HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS);
    timer.scheduleWithFixedDelay(this::prune, 1, 1, TimeUnit.MINUTES);
  }

  /**
   * Adds {@code subscriber}, then sends it what it missed after {@code lastEventId} (none when
   * negative) and from then on each message of its topic.
   */
  public void subscribe(Subscriber subscriber, long lastEventId) {
    Subscription subscription = subscriber.subscription();
    var topic = new Topic(subscription.orgId(), subscription.topic());
    subscriber.stripe = (int) (subscribed.getAndIncrement() % stripes.length);
    // in one step with the set's removal when its last subscriber leaves (unsubscribe)
    topics.compute(
        topic,
        (t, subscribers) -> {
          var set = subscribers != null ? subscribers : ConcurrentHashMap.<Subscriber>newKeySet();
          set.add(subscriber);
          return set;
        });
    long expiresIn = subscription.expiresAtMillis() - System.currentTimeMillis();
    // the heartbeat then finds the credential expired, and drops the subscriber
    ScheduledFuture<?> expiry =
        subscription.expiresAtMillis() == Long.MAX_VALUE
            ? null
            : timer.schedule(
                subscriber::heartbeat, Math.max(0, expiresIn) + 1, TimeUnit.MILLISECONDS);
    subscriber.onClose(
        () -> {
          unsubscribe(topic, subscriber);
          if (expiry != null) expiry.cancel(false);
        });
    List<Message> missed = List.of();
    if (lastEventId >= 0) {
      try {
        missed =
            history.after(
                subscription.orgId(), subscription.topic(), lastEventId, subscription.history());
      } catch (SQLException | RuntimeException e) {
        LOG.warn("the history of topic {} could not be read", subscription.topic(), e);
      }
    }
    subscriber.replay(missed);
  }

  private void unsubscribe(Topic topic, Subscriber subscriber) {
    topics.computeIfPresent(
        topic,
        (t, subscribers) -> {
          subscribers.remove(subscriber);
          return subscribers.isEmpty() ? null : subscribers;
        });
  }

  /**
   * What the listener on {@link #CHANNEL} calls: with a message's announcement, or with null after
   * it reconnected (the topics with subscribers then catch up from the history).
   */
  public void notified(String payload) throws SQLException {
    if (payload == null) catchUp();
    else announced(payload);
  }

  private void announced(String payload) throws SQLException {
    JsonNode note;
    try {
      note = Json.MAPPER.readTree(payload);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      LOG.warn("an unreadable realtime notification was ignored: {}", e.getOriginalMessage());
      return;
    }
    var topic = new Topic(note.path("o").asLong(), note.path("t").asText());
    long id = note.path("i").asLong();
    highWater.accumulateAndGet(id, Math::max);
    if (!topics.containsKey(topic)) return;
    Message message;
    if (note.has("d")) {
      JsonNode event = note.path("e");
      message =
          new Message(
              topic.orgId(),
              id,
              topic.name(),
              event.isTextual() ? event.asText() : null,
              Json.write(note.get("d")));
    } else {
      var found = history.find(id);
      if (found.isEmpty()) return;
      message = found.get();
    }
    publish(topic, message);
  }

  /** Offers {@code message} to each subscriber of its topic on this instance. */
  private void publish(Topic topic, Message message) {
    Set<Subscriber> subscribers = topics.get(topic);
    if (subscribers == null) return;
    // those subscribed now: one that comes later reads the message from the history instead, so
    // none is sent it twice
    Subscriber[] now = subscribers.toArray(new Subscriber[0]);
    for (int stripe = 0; stripe < stripes.length; stripe++) {
      int mine = stripe;
      stripes[stripe].execute(
          () -> {
            for (Subscriber subscriber : now)
              if (subscriber.stripe == mine) subscriber.offer(message);
          });
    }
  }

  /**
   * When the listener (re)connects: on the first connection, notes where the history stands; after
   * a lost one, each topic with subscribers is sent what came meanwhile (its latest 1,000; one that
   * was also announced may be sent twice, with its id).
   */
  private void catchUp() throws SQLException {
    if (!connectedBefore) {
      connectedBefore = true;
      highWater.accumulateAndGet(history.latestId(), Math::max);
      return;
    }
    long after = highWater.get();
    for (Topic topic : new ArrayList<>(topics.keySet())) {
      try {
        for (Message message : history.after(topic.orgId(), topic.name(), after, 1000))
          publish(topic, message);
      } catch (SQLException | RuntimeException e) {
        LOG.warn("topic {} could not catch up after a reconnect", topic.name(), e);
      }
    }
  }

  private void heartbeat() {
    try {
      for (Set<Subscriber> subscribers : topics.values())
        for (Subscriber subscriber : subscribers) subscriber.heartbeat();
    } catch (RuntimeException e) {
      LOG.warn("heartbeats failed", e);
    }
  }

  private void prune() {
    try {
      history.prune();
    } catch (SQLException | RuntimeException e) {
      LOG.warn("old realtime messages could not be pruned: {}", e.getMessage());
    }
  }

  /** Closes every subscriber (the server stops). */
  @Override
  public void close() {
    timer.shutdownNow();
    for (var stripe : stripes) stripe.shutdownNow();
    for (Set<Subscriber> subscribers : topics.values())
      for (Subscriber subscriber : subscribers) subscriber.close();
  }
}
