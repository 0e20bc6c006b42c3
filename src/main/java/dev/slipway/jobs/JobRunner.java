package dev.slipway.jobs;

import dev.slipway.common.Json;
import dev.slipway.common.NamedThreads;
import dev.slipway.egress.Egress;
import dev.slipway.ops.CallLog;
import dev.slipway.ops.CallRecord;
import dev.slipway.runtime.CompiledEndpoint;
import dev.slipway.runtime.EndpointRequest;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.spec.Trigger;
import dev.slipway.store.JobStore;
import dev.slipway.store.WebhookStore;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this instance's share of the job queue. A dispatcher thread claims due jobs (as many as this
 * instance has room for, within the per-handler and per-org limits counted over every instance),
 * runs each with its org's live handler on a virtual thread, and hands how it ended to a finisher
 * thread that records a batch in one statement. It wakes on an enqueue's notification, when jobs it
 * ran have finished (room, or a handler's or an org's share, freed up), and every {@link
 * Settings#poll} in any case (delayed jobs, retries, other instances' expired leases). While a job
 * runs its lease is extended; if the instance dies, the lease runs out and another instance takes
 * the job up again.
 *
 * <p>An attempt fails when the handler answers 4xx or 5xx or runs past its timeout; it is tried
 * again after the handler's back-off until its attempts are spent, then the job is dead. Each
 * attempt is also a call in the call log (method {@code JOB}, the job's handler as endpoint).
 */
public final class JobRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

  /** The most of a handler's answer a job keeps as its result. */
  private static final int MAX_RESULT_BYTES = 16_384;

  /**
   * How the runner works.
   *
   * @param workers how many jobs this instance runs at once
   * @param orgConcurrency how many jobs of one org run at once across every instance
   * @param poll the longest wait between looks at the queue
   * @param lease how long a claimed job stays this instance's without news from it
   * @param keepFor how long finished jobs are kept
   */
  public record Settings(
      int workers, int orgConcurrency, Duration poll, Duration lease, Duration keepFor) {
    public static final Settings DEFAULTS =
        new Settings(128, 64, Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofDays(7));
  }

  private final JobStore store;
  private final LiveRouting live;
  private final CallLog calls;
  private final Settings settings;
  private final String instance;
  private final WebhookSender webhooks;
  private final CatchUp catchUp;

  /** Held while the live releases are loaded for a job whose handler was missing. */
  private final ReentrantLock catchingUp = new ReentrantLock();

  /**
   * When the last such load that succeeded began ({@link System#nanoTime}); guarded by {@link
   * #catchingUp}.
   */
  private long caughtUpSince = System.nanoTime();

  /** The jobs this instance is running, each with when it started ({@link System#nanoTime}). */
  private final Map<Long, Long> running = new ConcurrentHashMap<>();

  private final LinkedBlockingQueue<JobStore.Finished> finished = new LinkedBlockingQueue<>();
  private final Semaphore wake = new Semaphore(0);
  private final ExecutorService starts =
      Executors.newThreadPerTaskExecutor(NamedThreads.virtual("slipway-job-"));
  private final ScheduledExecutorService timers = NamedThreads.scheduler("slipway-job-timers");
  private final Thread dispatcher;
  private final Thread finisher;
  private volatile boolean open = true;

  /** Brings this instance's live releases up to the database's (a deploy on another instance). */
  @FunctionalInterface
  public interface CatchUp {
    void loadActive() throws SQLException;
  }

  /**
   * @param catchUp loads releases deployed elsewhere that this instance has not heard of yet
   * @param egress how outgoing webhooks are sent (through the org's policy)
   * @param secrets an org's secret values by name (an outgoing webhook's signing secret)
   */
  public JobRunner(
      JobStore store,
      LiveRouting live,
      CatchUp catchUp,
      CallLog calls,
      Settings settings,
      String instance,
      Egress egress,
      LongFunction<Map<String, String>> secrets,
      WebhookStore webhookStore) {
    this.webhooks = new WebhookSender(egress, secrets, webhookStore, Clock.systemUTC());
    this.store = store;
    this.live = live;
    this.catchUp = catchUp;
    this.calls = calls;
    this.settings = settings;
    this.instance = instance;
    this.dispatcher = NamedThreads.daemon("slipway-job-dispatcher").newThread(this::dispatch);
    this.finisher = NamedThreads.daemon("slipway-job-finisher").newThread(this::finishAll);
  }

  public JobRunner start() {
    dispatcher.start();
    finisher.start();
    long beat = Math.max(1, settings.lease().toMillis() / 3);
    timers.scheduleWithFixedDelay(this::extendLeases, beat, beat, TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(this::releaseExpired, beat, beat, TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(this::prune, 1, 60, TimeUnit.SECONDS);
    return this;
  }

  /** Looks at the queue now (an enqueue was announced). */
  public void wake() {
    wake.release();
  }

  private void dispatch() {
    while (open) {
      try {
        // a wake-up from here on (an enqueue, a job finished) is kept for the wait below
        wake.drainPermits();
        int room = settings.workers() - running.size();
        List<JobStore.Claimed> claimed = List.of();
        if (room > 0) {
          claimed =
              store.claim(
                  instance, room, this::handlerLimit, settings.orgConcurrency(), settings.lease());
          for (JobStore.Claimed job : claimed) begin(job);
        }
        if (claimed.isEmpty()) wake.tryAcquire(settings.poll().toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      } catch (SQLException | RuntimeException e) {
        if (!open) return;
        LOG.warn("jobs: the queue could not be read ({}); trying again in 1 s", e.getMessage());
        sleep(1_000);
      }
    }
  }

  /**
   * How many jobs of the org's handler may run at once: the live handler's; 1 when none is live.
   */
  private int handlerLimit(long org, String name) {
    if (name.equals(WebhookStore.HANDLER)) return WebhookSender.TRIES.concurrency();
    return handler(org, name)
        .flatMap(h -> h.spec().trigger().jobSettings())
        .map(Trigger.Job::concurrency)
        .orElse(1);
  }

  private Optional<CompiledEndpoint> handler(long org, String name) {
    return live.current().handler(org, name);
  }

  /**
   * The job's handler once this instance serves the org's release in the database: a job enqueued
   * just after a deploy on another instance may be claimed here before the deploy's notice arrives,
   * and must not spend an attempt on a handler this instance has merely not loaded yet.
   */
  private Optional<CompiledEndpoint> handlerCaughtUp(JobStore.Claimed job) {
    Long claimed = running.get(job.id());
    catchingUp.lock();
    try {
      // one load that began after the claim saw every deploy the job was enqueued after: jobs of
      // a handler live nowhere (an org may enqueue any name) cost one load per claim, not one each
      if (claimed == null || claimed - caughtUpSince >= 0) {
        long began = System.nanoTime();
        catchUp.loadActive();
        caughtUpSince = began;
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn("jobs: live releases could not be loaded ({})", e.getMessage());
    } finally {
      catchingUp.unlock();
    }
    return handler(job.orgId(), job.handler());
  }

  /** How the handler's jobs are tried (a handler is live only with a trigger that runs jobs). */
  private static Trigger.Job settings(CompiledEndpoint handler) {
    return handler.spec().trigger().jobSettings().orElseThrow();
  }

  private void begin(JobStore.Claimed job) {
    running.put(job.id(), System.nanoTime());
    starts.execute(() -> run(job));
  }

  private void run(JobStore.Claimed job) {
    if (job.handler().equals(WebhookStore.HANDLER)) {
      try {
        finished.add(webhooks.send(job));
      } catch (RuntimeException e) {
        // not sent (its secrets could not be read): tried again shortly
        finished.add(
            new JobStore.Finished(job.id(), "queued", 503, "not sent: " + e, null, 0, 5_000));
      }
      return;
    }
    Optional<CompiledEndpoint> found = handler(job.orgId(), job.handler());
    if (found.isEmpty()) found = handlerCaughtUp(job);
    if (found.isEmpty()) {
      end(job, null, 404, "no job handler '" + job.handler() + "' is live in the org's release");
      return;
    }
    CompiledEndpoint handler = found.get();
    Trigger.Job trigger = settings(handler);
    if (job.attempts() > job.attemptsAllowed(trigger)) {
      // taken up again after its instance stopped, with no attempt left
      end(job, handler, 500, "its attempts are spent");
      return;
    }
    // a job retried by hand counts its attempts from one again: the suffix tells the runs apart
    String requestId =
        "job-"
            + job.id()
            + "-"
            + job.attempts()
            + "-"
            + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 24));
    var request =
        new EndpointRequest(
            "JOB",
            "job:" + job.handler(),
            List.of(),
            Map.of(),
            Map.of(
                "content-type", "application/json",
                "x-slipway-job-id", Long.toString(job.id()),
                "x-slipway-job-attempt", Integer.toString(job.attempts())),
            job.payload(),
            requestId,
            "job");
    try {
      handler
          .handleAsync(request, false)
          .whenComplete(
              (result, failure) -> {
                if (failure != null) {
                  end(job, handler, 500, failure.toString());
                  return;
                }
                ended(job, handler, trigger, requestId, result);
              });
    } catch (RuntimeException e) {
      end(job, handler, 500, e.toString());
    }
  }

  private void ended(
      JobStore.Claimed job,
      CompiledEndpoint handler,
      Trigger.Job trigger,
      String requestId,
      CompiledEndpoint.Result result) {
    long micros = elapsedNanos(job) / 1000;
    int status = result.response().status();
    byte[] body = result.response().body();
    String error = result.error().orElse(null);
    if (micros > trigger.timeout().toNanos() / 1000) {
      status = status < 400 ? 504 : status;
      error = "the attempt ran past its timeout of " + trigger.timeout().toMillis() + " ms";
    } else if (status >= 400 && error == null) {
      error = "the handler answered " + status + ": " + text(body, 500);
    }
    var identity = handler.identity();
    calls.record(
        new CallRecord(
            Instant.now(),
            requestId,
            "JOB",
            "job:" + job.handler(),
            identity.name(),
            identity.version(),
            identity.orgId(),
            live.current().releaseOf(identity.orgId()),
            status,
            micros,
            error,
            result.facts().errorCode(),
            "job " + job.id() + " attempt " + job.attempts(),
            "job",
            job.payload().length,
            body.length,
            result.facts().cost(),
            result.facts().steps(),
            null,
            null));
    finish(job, trigger, status, error, status < 400 ? keptResult(body) : null, micros / 1000);
  }

  /** An attempt that ended before or outside its handler's pipeline. */
  private void end(JobStore.Claimed job, CompiledEndpoint handler, int status, String error) {
    Trigger.Job trigger = handler == null ? Trigger.Job.DEFAULTS : settings(handler);
    finish(job, trigger, status, error, null, elapsedNanos(job) / 1_000_000);
  }

  /** How long the job has been running here. */
  private long elapsedNanos(JobStore.Claimed job) {
    Long started = running.get(job.id());
    return started == null ? 0 : System.nanoTime() - started;
  }

  private void finish(
      JobStore.Claimed job,
      Trigger.Job trigger,
      int status,
      String error,
      String result,
      long millis) {
    String next;
    long retryIn = 0;
    if (status < 400) {
      next = "succeeded";
    } else {
      if (job.attempts() >= job.attemptsAllowed(trigger)) {
        next = "dead";
      } else {
        next = "queued";
        retryIn = trigger.delayAfter(job.attempts()).toMillis();
      }
    }
    finished.add(new JobStore.Finished(job.id(), next, status, error, result, millis, retryIn));
  }

  private void finishAll() {
    var batch = new ArrayList<JobStore.Finished>();
    while (open || !finished.isEmpty()) {
      try {
        JobStore.Finished first = finished.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) continue;
        batch.add(first);
        finished.drainTo(batch, 999);
        store.finish(instance, batch);
        for (JobStore.Finished done : batch) running.remove(done.id());
        batch.clear();
        // room, or a handler's or org's share, freed up: jobs held back may be taken now
        wake();
      } catch (InterruptedException e) {
        if (!open) return;
      } catch (SQLException | RuntimeException e) {
        // the jobs stay leased to this instance: tried again, or taken up after the lease
        LOG.warn(
            "jobs: {} results could not be recorded ({}); trying again",
            batch.size(),
            e.getMessage());
        sleep(1_000);
        finished.addAll(batch);
        batch.clear();
      }
    }
  }

  private void extendLeases() {
    try {
      store.extend(instance, running.keySet(), settings.lease());
    } catch (SQLException | RuntimeException e) {
      LOG.warn("jobs: leases could not be extended ({})", e.getMessage());
    }
  }

  /** Queues again the jobs of instances that stopped (their leases ran out), and looks at them. */
  private void releaseExpired() {
    try {
      int n = store.release();
      if (n > 0) {
        LOG.warn("jobs: {} job(s) of a stopped instance queued again", n);
        wake();
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warn("jobs: expired leases could not be released ({})", e.getMessage());
    }
  }

  private void prune() {
    try {
      int n = store.prune(settings.keepFor());
      if (n > 0) LOG.info("jobs: pruned {} finished job(s)", n);
    } catch (SQLException | RuntimeException e) {
      LOG.warn("jobs: finished jobs could not be pruned ({})", e.getMessage());
    }
  }

  /** The handler's answer when it is JSON small enough to keep. */
  private static String keptResult(byte[] body) {
    if (body.length == 0 || body.length > MAX_RESULT_BYTES) return null;
    try {
      return Json.canonical(Json.MAPPER.readTree(body));
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static String text(byte[] body, int max) {
    String text = new String(body, StandardCharsets.UTF_8);
    return text.length() > max ? text.substring(0, max) + "…" : text;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops taking jobs and waits a moment for the running ones; what is still running then is taken
   * up by another instance, or this one after a restart, once its lease runs out.
   */
  @Override
  public void close() throws InterruptedException {
    open = false;
    dispatcher.interrupt();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!running.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
    finisher.interrupt();
    finisher.join(2_000);
    timers.shutdownNow();
    starts.shutdownNow();
  }
}
