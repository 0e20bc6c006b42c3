package dev.slipway.http;

import dev.slipway.ops.Behaviour;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the requests that work in the database on at most {@code width} threads of a pool at once
 * (the database pool's size), sharing them fairly among endpoints: each endpoint's requests wait in
 * a queue of their own, and a lane that comes free takes the next request of the next endpoint in
 * turn, so a flood of one endpoint's requests does not stand in front of another's. A lane that
 * finishes a request takes the next at once, so under load a request starts without a thread being
 * woken.
 *
 * <p>No endpoint holds more than all lanes but {@link Shares#guardedPerEndpoint}: the first wave of
 * a slow endpoint, before anything is known of it, leaves lanes free for the others. An endpoint
 * whose requests lately held a lane past {@link Shares#slowAfterNanos} on average, or one of them
 * past {@link Shares#longAfterNanos} (one that still holds it counts), is guarded ({@link
 * Behaviour}): while other endpoints' requests wait, at most {@link Shares#guardedPerEndpoint} of
 * its requests run at once, and its org's guarded endpoints together at most {@link
 * Shares#guardedPerOrg} (each counted up to its own share, so what one of them started while it was
 * alone does not shut out the others). Of its requests only as many wait as its lanes could start
 * within {@link Shares#maxWaitNanos}, by how long its requests have taken lately (never fewer than
 * {@link Shares#guardedWaiting}); a request that finds the queue full, or has waited {@link
 * Shares#maxWaitNanos}, is refused at once (the caller answers 503 with {@code Retry-After}) rather
 * than left to hang.
 *
 * <p>Before this, all such requests waited in one line: 24 callers of a {@code pg_sleep(3)}
 * endpoint took the other SQL endpoints from 2,878 answers in 8 s to 8. And before the lanes, each
 * request took a pooled thread of its own and waited for a connection at the transaction's gate: on
 * W1 (64 connections onto 16, two cores) the waiting threads fell into waking one another for
 * permits that newcomers then took first (bench/README.md).
 */
final class Lanes {
  private static final Logger LOG = LoggerFactory.getLogger(Lanes.class);

  /** Whose a request is: an endpoint of an org. */
  record Owner(long org, String endpoint) {}

  /** A request to run, and what to do instead when it is refused. */
  record Job(Runnable run, Runnable refuse) {}

  /**
   * The shares of the lanes a guarded endpoint and its org may take, how many of a guarded
   * endpoint's requests may wait at least, how long any request may wait before it is refused, and
   * how long an endpoint's requests may hold their lanes on average before it is guarded.
   */
  record Shares(
      int guardedPerEndpoint,
      int guardedPerOrg,
      int guardedWaiting,
      long maxWaitNanos,
      long slowAfterNanos) {
    static Shares of(int width) {
      return new Shares(
          Math.max(1, width / 4),
          Math.max(1, width / 2),
          Math.max(4, width / 2),
          TimeUnit.SECONDS.toNanos(10),
          TimeUnit.MILLISECONDS.toNanos(250));
    }

    /**
     * How long one request may hold its lane before its endpoint is guarded: four times the usual
     * bound.
     */
    long longAfterNanos() {
      return 4 * slowAfterNanos;
    }
  }

  private final Executor threads;
  private final int width;
  private final Shares shares;

  /** How many lanes one endpoint may hold at most: all but a guarded endpoint's share. */
  private final int mostPerEndpoint;

  private final ReentrantLock lock = new ReentrantLock();

  /** Guarded by {@link #lock}: every endpoint seen, and those with requests waiting, in turn. */
  private final Map<Owner, Endpoint> endpoints = new HashMap<>();

  private final Map<Long, int[]> guardedRunningPerOrg = new HashMap<>();
  private final ArrayDeque<Endpoint> turns = new ArrayDeque<>();
  private int running;
  private int waitingTotal;

  Lanes(Executor threads, int width) {
    this(threads, width, Shares.of(width));
  }

  Lanes(Executor threads, int width, Shares shares) {
    if (width < 1) throw new IllegalArgumentException("width must be at least 1, not " + width);
    this.threads = threads;
    this.width = width;
    this.shares = shares;
    this.mostPerEndpoint = Math.max(1, width - shares.guardedPerEndpoint());
  }

  /**
   * One endpoint's waiting requests, when those that run started (and how many of them under its
   * guard), and how it has behaved (and how long its requests take lately).
   */
  private static final class Endpoint {
    final Owner owner;
    final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    final Behaviour behaviour;
    long[] startedAt = new long[4];
    int running;
    int runningGuarded;
    boolean inTurns;

    Endpoint(Owner owner, Shares shares) {
      this.owner = owner;
      this.behaviour = new Behaviour(shares.slowAfterNanos(), shares.longAfterNanos());
    }

    void started(long at) {
      if (running == startedAt.length) startedAt = Arrays.copyOf(startedAt, running * 2);
      startedAt[running++] = at;
    }

    void finished(long startedWhen) {
      for (int i = 0; i < running; i++) {
        if (startedAt[i] == startedWhen) {
          startedAt[i] = startedAt[--running];
          break;
        }
      }
    }

    /** Whether one of its running requests has held its lane past the bound. */
    boolean holdingLong(long now) {
      for (int i = 0; i < running; i++) {
        if (now - startedAt[i] > behaviour.longAfter()) return true;
      }
      return false;
    }
  }

  private record Waiting(Job job, long since) {}

  /**
   * Queues the request; a lane runs it when its turn comes. Refuses it at once (runs {@link
   * Job#refuse}) when its endpoint is guarded and already has its share waiting.
   *
   * @throws RejectedExecutionException when the pool will not start a lane (it is stopping)
   */
  void execute(Owner owner, Job job) {
    boolean queued;
    boolean startLane = false;
    lock.lock();
    try {
      Endpoint endpoint = endpoints.computeIfAbsent(owner, o -> new Endpoint(o, shares));
      long now = System.nanoTime();
      queued = !guarded(endpoint, now) || endpoint.waiting.size() < mayWait(endpoint);
      if (queued) {
        endpoint.waiting.add(new Waiting(job, now));
        waitingTotal++;
        if (!endpoint.inTurns) {
          endpoint.inTurns = true;
          turns.add(endpoint);
        }
        startLane = running < width;
        if (startLane) running++;
      }
    } finally {
      lock.unlock();
    }
    if (!queued) {
      job.refuse().run();
      return;
    }
    if (!startLane) return;
    try {
      threads.execute(this::drain);
    } catch (RejectedExecutionException e) {
      lock.lock();
      try {
        running--;
        // a lane still running may take the request meanwhile; if not, it was refused
        Endpoint endpoint = endpoints.get(owner);
        if (endpoint.waiting.removeIf(w -> w.job() == job)) {
          waitingTotal--;
          throw e;
        }
      } finally {
        lock.unlock();
      }
    }
  }

  /** How many requests wait for a lane. */
  int waiting() {
    lock.lock();
    try {
      return waitingTotal;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs requests, each endpoint's in turn, until none waits that may run now; then gives the lane
   * up.
   */
  private void drain() {
    Endpoint last = null;
    long lastStarted = 0;
    while (true) {
      Waiting next;
      Endpoint from;
      boolean tooLate;
      long now;
      lock.lock();
      try {
        now = System.nanoTime();
        if (last != null) finished(last, lastStarted, now);
        from = nextInTurn(now);
        if (from == null) {
          running--;
          return;
        }
        next = from.waiting.poll();
        waitingTotal--;
        if (!from.waiting.isEmpty()) turns.add(from);
        else from.inTurns = false;
        tooLate = now - next.since() > shares.maxWaitNanos();
        if (!tooLate) started(from, now);
      } finally {
        lock.unlock();
      }
      if (tooLate) {
        last = null;
        next.job().refuse().run();
        continue;
      }
      last = from;
      lastStarted = now;
      try {
        next.job().run().run();
      } catch (RuntimeException e) {
        LOG.warn("a request in a database lane failed", e);
      }
    }
  }

  /**
   * The endpoint whose request runs next: the first in turn that may run one now; null if none may.
   */
  private Endpoint nextInTurn(long now) {
    for (int i = turns.size(); i > 0; i--) {
      Endpoint candidate = turns.poll();
      if (mayRun(candidate, now)) return candidate;
      turns.add(candidate);
    }
    return null;
  }

  /**
   * Whether the endpoint may run another request now. None may hold all lanes: a lane or more stays
   * free for another endpoint's request that comes while the first wave of a slow one, not yet
   * known as slow, holds the rest. A guarded one may run only its share while another endpoint's
   * requests wait.
   */
  private boolean mayRun(Endpoint endpoint, long now) {
    if (endpoint.running >= mostPerEndpoint) return false;
    if (!guarded(endpoint, now) || waitingTotal == endpoint.waiting.size()) return true;
    return endpoint.running < shares.guardedPerEndpoint()
        && guardedRunning(endpoint.owner.org())[0] < shares.guardedPerOrg();
  }

  /**
   * Whether the endpoint is guarded now, a request of it that still holds its lane past the bound
   * included.
   */
  private static boolean guarded(Endpoint endpoint, long now) {
    if (endpoint.holdingLong(now)) endpoint.behaviour.slow(now);
    return endpoint.behaviour.guarded(now);
  }

  /**
   * How many of a guarded endpoint's requests may wait: as many as its lanes could start within the
   * longest wait.
   */
  private long mayWait(Endpoint endpoint) {
    return Math.max(
        shares.guardedWaiting(),
        endpoint.behaviour.startableWithin(shares.maxWaitNanos(), shares.guardedPerEndpoint()));
  }

  private void started(Endpoint endpoint, long now) {
    if (endpoint.behaviour.guarded(now)) {
      // an org's guarded endpoints count their runs up to their own share: runs a guarded endpoint
      // began while it was alone must not keep its org's other endpoints from their share
      if (++endpoint.runningGuarded <= shares.guardedPerEndpoint())
        guardedRunning(endpoint.owner.org())[0]++;
    }
    endpoint.started(now);
  }

  private void finished(Endpoint endpoint, long startedAt, long now) {
    if (endpoint.runningGuarded > 0) {
      if (endpoint.runningGuarded-- <= shares.guardedPerEndpoint())
        guardedRunning(endpoint.owner.org())[0]--;
    }
    endpoint.finished(startedAt);
    endpoint.behaviour.finished(now - startedAt, now);
  }

  private int[] guardedRunning(long org) {
    return guardedRunningPerOrg.computeIfAbsent(org, o -> new int[1]);
  }
}
