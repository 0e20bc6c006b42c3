package dev.slipway.sandbox;

import dev.slipway.ops.Behaviour;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How the sandbox workers are shared among the endpoints whose scripts they run, so that no one
 * endpoint, however slow or hostile, can take them all. {@link WorkerPool} asks it under its
 * dispatch lock; it is not thread-safe by itself.
 *
 * <ul>
 *   <li>Of a new script, one run goes at a time until one has ended ({@link #onTrial}).
 *   <li>A script (an org's, by its code) whose runs have been quick lately is pipelined into any
 *       worker that holds no run alone, as many runs as there is room for.
 *   <li>One that was slow lately ({@link Behaviour#guarded}: its runs took over {@link #SLOW_RUN}
 *       of CPU on average, or one took over {@link #LONG_HEAD} or was at its worker's head that
 *       long) is guarded: each run goes only to an idle worker of those kept for guarded runs,
 *       which takes nothing else until it ends and runs lower than everything else, so no other
 *       script's run waits behind it or for its worker; at most {@link #guardedPerEndpoint} of its
 *       runs (and of its org's guarded runs) go at once, which leaves a worker for guarded runs to
 *       other endpoints where there are several; and only as many of them wait for a worker as
 *       could start within the longest wait for one, by how long its runs took lately (at least
 *       {@link #guardedWaiting}), the rest being refused at once (503, {@code Retry-After}) rather
 *       than after that wait. A new script is not guarded until it is slow: its first run that
 *       loops holds a worker for one timeout at most before the guard applies.
 *   <li>A script that ran out of memory (its worker stops the run, collects and serves on) is
 *       guarded for {@link #STRIKES_KEPT}, and after that until one of its runs ends otherwise (a
 *       timeout says nothing of its memory); one that does so again within {@link #STRIKES_KEPT} is
 *       quarantined: its runs are refused at once for 10 s, twice as long after each further one
 *       (at most {@link #MAX_QUARANTINE}), so a memory bomb called in a loop does not keep filling
 *       a worker's heap, each time a stall of the runs behind it (and, where the collection does
 *       not give the heap back, a new worker), while a script that ran out of memory once, on one
 *       input, still serves the next request.
 *   <li>A script whose last {@link #LIMITS_BEFORE_BREAK} runs in a row were stopped at the timeout
 *       of a guarded run, or whose last run was stopped at the statement limit, has its runs
 *       refused at once for {@link #FIRST_BREAK}, twice as long after each further such run (at
 *       most {@link #MAX_BREAK}), until one ends otherwise: a circuit breaker. A loop called by a
 *       flood of callers otherwise keeps a worker for guarded runs busy for good, and though that
 *       worker runs below everything else, the CPU it takes still costs the other endpoints
 *       (bench/fairness: quiet SQL at 29–78% of its quiet rate under a loop flood). One run goes
 *       after each break, and its outcome decides.
 *   <li>A run stopped at the statement limit (ten million statements by default) is a runaway: its
 *       breaker opens at once, and the one run after each break is guarded, so that it goes to a
 *       worker for guarded runs (until one is ready, as any guarded run), whose scheduling group of
 *       its own at nice 19 contains what the loop costs: its start, and the JIT compiling the loop
 *       and Graal's own paths (seconds of CPU that, on a serving worker, came from the other
 *       endpoints: bench/fairness, quiet SQL at 85–89% of its quiet rate in a loop flood's first
 *       contact with the run after the break on the serving worker, 94% with it guarded). Starved
 *       there, that run may reach the timeout before the statement limit; it counts as a limit all
 *       the same.
 * </ul>
 */
final class WorkerShares {
  /**
   * Runs that take more CPU time than this in their worker on average make their script guarded.
   */
  static final Duration SLOW_RUN = Duration.ofMillis(100);

  /**
   * A run at its worker's head for longer than this (by the clock, or that took this much CPU)
   * makes its script guarded.
   */
  static final Duration LONG_HEAD = Duration.ofSeconds(1);

  static final Duration FIRST_QUARANTINE = Duration.ofSeconds(10);
  static final Duration MAX_QUARANTINE = Duration.ofMinutes(5);

  /** How many runs in a row stopped at a limit open the breaker. */
  static final int LIMITS_BEFORE_BREAK = 3;

  static final Duration FIRST_BREAK = Duration.ofSeconds(2);
  static final Duration MAX_BREAK = Duration.ofMinutes(1);

  /** How long a run out of memory counts towards the next one's quarantine. */
  static final Duration STRIKES_KEPT = Duration.ofMinutes(1);

  /**
   * Whose a run is: a script of an org's, by its code's id (an endpoint's step, or what {@code
   * /api/execute} ran).
   */
  record Owner(long org, String script) {}

  private final int guardedPerEndpoint;
  private final int guardedWaiting;
  private final long maxWaitNanos;
  private final Map<Owner, State> owners = new HashMap<>();
  private final Map<Long, int[]> guardedRunningPerOrg = new HashMap<>();

  /**
   * @param guardedWorkers how many workers there are for guarded runs
   * @param maxWait how long a run waits for a worker before it is refused
   */
  WorkerShares(int guardedWorkers, Duration maxWait) {
    this.guardedPerEndpoint = Math.max(1, guardedWorkers - 1);
    this.guardedWaiting = Math.max(4, 2 * guardedWorkers);
    this.maxWaitNanos = maxWait.toNanos();
  }

  /** One owner's record. */
  private static final class State {
    final Behaviour behaviour = new Behaviour(SLOW_RUN.toNanos(), LONG_HEAD.toNanos());

    /** Whether a run of it went to a worker: until one has ended, no other goes. */
    boolean firstSent;

    int guardedRunning;
    int guardedWaiting;
    int strikes;
    long lastStrike;
    int limitsInARow;

    /** Whether the one run let go after a break is out, so that no other goes until it ends. */
    boolean probing;

    /** Whether its last run that did not time out ran out of memory. */
    boolean outOfMemoryLast;

    long quarantinedUntil;
    boolean quarantined;
    Refusal refusal;
  }

  /** Why an owner's runs are refused at once, and for how long: the first time, and at most. */
  enum Refusal {
    MEMORY("its script ran out of sandbox memory lately", FIRST_QUARANTINE, MAX_QUARANTINE),
    LIMITS(
        "its script's last runs were stopped at a limit (statements or time)",
        FIRST_BREAK,
        MAX_BREAK);

    final String why;
    private final Duration first;
    private final Duration max;

    Refusal(String why, Duration first, Duration max) {
      this.why = why;
      this.first = first;
      this.max = max;
    }
  }

  private State state(Owner owner) {
    return owners.computeIfAbsent(owner, o -> new State());
  }

  /**
   * Whether the owner's runs were slow lately, so that each goes to an idle worker alone; while its
   * breaker is open or half open (its last runs were stopped at a limit), however long ago; while a
   * run of its out of memory counts ({@link #STRIKES_KEPT}); and while its last run that did not
   * time out ran out of memory: a memory bomb trusted again would go to a serving worker with its
   * callers' next wave and stall the runs behind it while that worker collects (seen in
   * bench/fairness: trusted again a minute after its strikes, the bomb's second round took a quiet
   * script to 52% of its rate).
   */
  boolean slowLately(Owner owner, long now) {
    State state = state(owner);
    return hitLimits(state, now) || state.behaviour.guarded(now);
  }

  /**
   * Whether the owner is guarded because its runs were stopped at a limit (its breaker is open or
   * half open, or a run of its out of memory counts), not only because they were slow: a worker for
   * guarded runs starts for such a run only with a CPU to spare (see {@link
   * WorkerPool#GUARDED_START_IDLE}). Not for a timeout: a slow script's first run on a cold worker
   * reaches it too, and held back, its author's next calls in the Studio answered 503 while the
   * host was still busy with the server's start.
   */
  boolean stoppedLately(Owner owner, long now) {
    return hitLimits(state(owner), now);
  }

  private static boolean hitLimits(State state, long now) {
    return state.outOfMemoryLast
        || state.strikes > 0 && now - state.lastStrike <= STRIKES_KEPT.toNanos()
        || state.limitsInARow >= LIMITS_BEFORE_BREAK;
  }

  /** Why the owner was last quarantined; null if it never was. */
  Refusal refusal(Owner owner) {
    return state(owner).refusal;
  }

  /**
   * How many seconds the owner is still quarantined for; 0 when it is not. After a break of its
   * breaker, 1 while the one run let go is out.
   */
  long quarantinedFor(Owner owner, long now) {
    State state = state(owner);
    if (!state.quarantined || now - state.quarantinedUntil >= 0) {
      state.quarantined = false;
      return state.probing ? 1 : 0;
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(state.quarantinedUntil - now + 999_999_999L));
  }

  /**
   * Whether the owner's script is new and its first run has not ended yet, so that its next run
   * waits: the first wave of a memory bomb, trusted as every new script is, would otherwise go to
   * every worker at once and stall them all.
   */
  boolean onTrial(Owner owner) {
    State state = state(owner);
    return state.firstSent && !state.behaviour.used();
  }

  /** A run of the owner went to a worker. */
  void sent(Owner owner) {
    State state = state(owner);
    state.firstSent = true;
    state.probing = state.limitsInARow >= LIMITS_BEFORE_BREAK;
  }

  /**
   * Whether another guarded run of the owner may go to a worker now (its and its org's share allow
   * it).
   */
  boolean mayStartGuarded(Owner owner) {
    return state(owner).guardedRunning < guardedPerEndpoint
        && guardedRunningOf(owner.org())[0] < guardedPerEndpoint;
  }

  /**
   * Whether the owner already has as many guarded runs waiting as could start in time, so another
   * is refused.
   */
  boolean waitingFull(Owner owner) {
    State state = state(owner);
    return state.guardedWaiting
        >= Math.max(
            guardedWaiting, state.behaviour.startableWithin(maxWaitNanos, guardedPerEndpoint));
  }

  void waits(Owner owner, int change) {
    state(owner).guardedWaiting += change;
  }

  /** A guarded run of the owner went to a worker. */
  void startedGuarded(Owner owner) {
    state(owner).guardedRunning++;
    guardedRunningOf(owner.org())[0]++;
  }

  /**
   * A run of the owner ended after {@code took} (its own time in the worker).
   *
   * @param guarded whether it went as a guarded run
   * @param outOfMemory whether it ran out of memory
   * @param runaway whether it was stopped at the statement limit: its breaker opens at once. A
   *     timeout does not guard: a quick script starved of CPU reaches it too, and guarding it would
   *     refuse its runs while it starves (seen under the bomb flood: a quiet script answered 503 to
   *     most calls)
   * @param timedOut whether it reached the timeout; counts towards the breaker only if {@code
   *     guarded}, so a quick script starved of CPU is not refused for it
   */
  void finished(
      Owner owner,
      boolean guarded,
      long took,
      boolean outOfMemory,
      boolean runaway,
      boolean timedOut,
      long now) {
    State state = state(owner);
    left(owner, state, guarded);
    // the run let go after a break: its timeout counts as a guarded run's does
    boolean probe = state.probing;
    state.probing = false;
    state.behaviour.finished(took, now);
    if (!timedOut) state.outOfMemoryLast = outOfMemory;
    if (outOfMemory) {
      state.behaviour.slow(now);
      if (state.strikes > 0 && now - state.lastStrike > STRIKES_KEPT.toNanos()) state.strikes = 0;
      if (state.strikes > 0) {
        quarantine(state, Refusal.MEMORY, state.strikes - 1, now);
      }
      state.strikes++;
      state.lastStrike = now;
    }
    if (runaway || timedOut && (guarded || probe)) {
      state.limitsInARow =
          runaway ? Math.max(state.limitsInARow + 1, LIMITS_BEFORE_BREAK) : state.limitsInARow + 1;
      breakIfCounting(state, now);
    } else if (!outOfMemory && !timedOut) {
      // a trusted run's timeout neither counts nor closes: a quick script starved of CPU on a busy
      // machine reaches it too
      state.limitsInARow = 0;
    }
  }

  /**
   * A run of the owner waited for a worker until its time was up. If its breaker counts, the break
   * begins again (as long as the last one): the one run to go after a break found no worker for
   * guarded runs free (one starting, busy, or starved of CPU), and without a break every caller
   * would wait for one up to the timeout.
   */
  void unserved(Owner owner, long now) {
    breakIfCounting(state(owner), now);
  }

  /**
   * Where the breaker counts (the last runs were stopped at a limit often enough), a break from
   * {@code now}, twice as long per such run past the first that opened it.
   */
  private static void breakIfCounting(State state, long now) {
    int breaks = state.limitsInARow - LIMITS_BEFORE_BREAK;
    if (breaks >= 0) quarantine(state, Refusal.LIMITS, breaks, now);
  }

  /**
   * A run of the owner left its worker before it asked anything (the worker ended), to go to
   * another: it judges nothing. If it was the script's first, the next run is its first again, so
   * that it may go.
   */
  void withdrawn(Owner owner, boolean guarded) {
    State state = state(owner);
    left(owner, state, guarded);
    state.probing = false;
    if (!state.behaviour.used()) state.firstSent = false;
  }

  /** A run of the owner left its worker: a guarded one frees its share. */
  private void left(Owner owner, State state, boolean guarded) {
    if (guarded) {
      state.guardedRunning--;
      guardedRunningOf(owner.org())[0]--;
    }
  }

  /**
   * Refuses the owner's runs for the refusal's first time doubled {@code doublings} times, at most
   * its longest, from {@code now} (a longer quarantine already under way stays).
   */
  private static void quarantine(State state, Refusal refusal, int doublings, long now) {
    long until =
        now + Math.min(refusal.max.toNanos(), refusal.first.toNanos() << Math.min(doublings, 10));
    if (state.quarantined && state.quarantinedUntil - until > 0) return;
    state.quarantined = true;
    state.quarantinedUntil = until;
    state.refusal = refusal;
  }

  /**
   * A run of the owner has been at its worker's head past {@link #LONG_HEAD}: guard it from now on.
   */
  void runningLong(Owner owner, long now) {
    state(owner).behaviour.slow(now);
  }

  private int[] guardedRunningOf(long org) {
    return guardedRunningPerOrg.computeIfAbsent(org, o -> new int[1]);
  }
}
