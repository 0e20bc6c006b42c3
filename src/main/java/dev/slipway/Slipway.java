package dev.slipway;

import dev.slipway.config.SlipwayConfig;
import dev.slipway.deploy.Alerts;
import dev.slipway.deploy.CostControl;
import dev.slipway.deploy.Deployer;
import dev.slipway.deploy.DraftTests;
import dev.slipway.deploy.Drafts;
import dev.slipway.egress.Egress;
import dev.slipway.egress.EgressException;
import dev.slipway.generate.Generator;
import dev.slipway.generate.QueryAnalysis;
import dev.slipway.generate.SchemaAnalyzer;
import dev.slipway.http.AlertRoutes;
import dev.slipway.http.AnalyticsRoutes;
import dev.slipway.http.ConsoleRoutes;
import dev.slipway.http.ControlPlaneServer;
import dev.slipway.http.CostRoutes;
import dev.slipway.http.DataPlaneServer;
import dev.slipway.http.EndpointRoutes;
import dev.slipway.http.GenerateRoutes;
import dev.slipway.http.JobRoutes;
import dev.slipway.http.KeyRoutes;
import dev.slipway.http.LogRoutes;
import dev.slipway.http.MemberRoutes;
import dev.slipway.http.MetricsRoutes;
import dev.slipway.http.OrgRoutes;
import dev.slipway.http.PortInUseException;
import dev.slipway.http.ReleaseRoutes;
import dev.slipway.http.ScheduleRoutes;
import dev.slipway.http.SecretRoutes;
import dev.slipway.http.SessionRoutes;
import dev.slipway.http.StatusRoutes;
import dev.slipway.http.StudioRoutes;
import dev.slipway.http.TemplateRoutes;
import dev.slipway.http.WebhookRoutes;
import dev.slipway.jobs.JobRunner;
import dev.slipway.jobs.Scheduler;
import dev.slipway.ops.CallKeeper;
import dev.slipway.ops.CallLog;
import dev.slipway.ops.CostGate;
import dev.slipway.ops.LocalRateLimiter;
import dev.slipway.ops.Metrics;
import dev.slipway.ops.RateLimiter;
import dev.slipway.ops.RedisRateLimiter;
import dev.slipway.ops.SharedRateLimiter;
import dev.slipway.ops.Tracing;
import dev.slipway.realtime.Hub;
import dev.slipway.runtime.EndpointCompiler;
import dev.slipway.runtime.LiveRouting;
import dev.slipway.runtime.ScriptConsole;
import dev.slipway.runtime.ScriptHosts;
import dev.slipway.sandbox.Sandbox;
import dev.slipway.sandbox.SandboxLimits;
import dev.slipway.sandbox.SchedulingGroup;
import dev.slipway.sandbox.ScriptSandbox;
import dev.slipway.sandbox.WorkerPool;
import dev.slipway.security.ApiKeys;
import dev.slipway.security.Authenticator;
import dev.slipway.security.Bootstrap;
import dev.slipway.security.ConsumerKeys;
import dev.slipway.security.EgressRules;
import dev.slipway.security.MasterKey;
import dev.slipway.security.Members;
import dev.slipway.security.Orgs;
import dev.slipway.security.Secrets;
import dev.slipway.security.SignIn;
import dev.slipway.security.Tokens;
import dev.slipway.spec.SpecCodec;
import dev.slipway.store.AlertStore;
import dev.slipway.store.AnalyticsStore;
import dev.slipway.store.AuditStore;
import dev.slipway.store.CallStore;
import dev.slipway.store.ChannelStore;
import dev.slipway.store.ChatStore;
import dev.slipway.store.CredentialStore;
import dev.slipway.store.Database;
import dev.slipway.store.EndpointStore;
import dev.slipway.store.IdentityStore;
import dev.slipway.store.JobStore;
import dev.slipway.store.ModelUsageStore;
import dev.slipway.store.Notifications;
import dev.slipway.store.OrgPools;
import dev.slipway.store.PlatformTransactions;
import dev.slipway.store.PostgresTranspileCache;
import dev.slipway.store.QuotaStore;
import dev.slipway.store.ReleaseStore;
import dev.slipway.store.ScheduleStore;
import dev.slipway.store.SettingsStore;
import dev.slipway.store.WebhookStore;
import dev.slipway.templates.TemplateService;
import dev.slipway.templates.crud.CrudTemplate;
import dev.slipway.templates.jobs.BackgroundJobTemplate;
import dev.slipway.templates.realtime.RealtimeChannelTemplate;
import dev.slipway.templates.webhook.WebhookReceiverTemplate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: builds every component by hand, in dependency order, and closes them in
 * reverse. {@code main} runs {@code slipway serve}.
 */
public final class Slipway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Slipway.class);
  public static final String VERSION = "0.1.0";

  private final Deque<AutoCloseable> closeables;
  private final DataPlaneServer dataPlane;
  private final ControlPlaneServer controlPlane;

  private Slipway(
      Deque<AutoCloseable> closeables, DataPlaneServer dataPlane, ControlPlaneServer controlPlane) {
    this.closeables = closeables;
    this.dataPlane = dataPlane;
    this.controlPlane = controlPlane;
  }

  public static void main(String[] args) {
    List<String> arguments = Arrays.asList(args);
    String command =
        arguments.isEmpty() || arguments.getFirst().startsWith("--")
            ? "serve"
            : arguments.getFirst();
    List<String> flags =
        arguments.isEmpty() || arguments.getFirst().startsWith("--")
            ? arguments
            : arguments.subList(1, arguments.size());
    if (command.equals("admin")) {
      System.exit(Admin.run(flags));
      return;
    }
    if (command.equals("train")) {
      try {
        System.exit(Training.run());
      } catch (Exception e) {
        LOG.error("the training run failed", e);
        System.exit(1);
      }
      return;
    }
    if (!command.equals("serve")) {
      System.err.println(
          "usage: slipway serve [--port 8080] [--control-port 8081] [--data-dir ./data] [--database-url URL] ...");
      System.err.println(
          "       slipway admin create-user --email EMAIL --password PASSWORD [--org SLUG]");
      System.err.println(
          "       slipway train   (a short run on a temporary data directory that bin/slipway records start-up caches from)");
      System.exit(2);
    }
    SlipwayConfig config;
    try {
      config = SlipwayConfig.load(flags, System.getenv());
    } catch (SlipwayConfig.InvalidConfigException e) {
      System.err.println("slipway: " + e.getMessage());
      System.exit(2);
      return;
    }
    try {
      // before the database starts, so that a taken port costs no start and stop of everything else
      PortInUseException.requireFree(config.host(), config.dataPort());
      PortInUseException.requireFree(config.host(), config.controlPort());
      // before anything starts, so that the start's own work already yields (the workers share
      // the group whenever its nice is set: it is the session's)
      reportSchedulingGroup(SchedulingGroup.yieldToDatabase());
      Slipway slipway = start(config);
      Runtime.getRuntime().addShutdownHook(new Thread(slipway::close, "shutdown"));
    } catch (PortInUseException e) {
      String setting = e.port() == config.dataPort() ? "SLIPWAY_PORT" : "SLIPWAY_CONTROL_PORT";
      System.err.println(
          "slipway: port "
              + e.port()
              + " is in use ("
              + setting
              + "); stop what listens there or choose another port");
      System.exit(1);
    } catch (OrgPools.UnconfinedSqlException e) {
      System.err.println("slipway: " + e.getMessage());
      System.exit(1);
    } catch (Exception e) {
      LOG.error("Slipway failed to start", e);
      System.exit(1);
    }
  }

  private static void reportSchedulingGroup(SchedulingGroup.ServerGroup group) {
    switch (group) {
      case YIELDED ->
          LOG.info(
              "Linux schedules this host by session (autogroup); Slipway leads a session of its own, "
                  + "whose group yields the CPU to the database's connections (nice {})",
              SchedulingGroup.SERVER);
      case SHARED ->
          LOG.info(
              "Linux schedules this host by session (autogroup), and Slipway shares its session with the shell "
                  + "that started it: under load, calls may stall for tens of milliseconds while the database "
                  + "waits for the CPU. Run it as a service or with setsid, or set kernel.sched_autogroup_enabled=0 "
                  + "(README, Running on Linux)");
      case REFUSED ->
          LOG.info(
              "Linux schedules this host by session (autogroup), and it refused to lower Slipway's group: "
                  + "under load, calls may stall while the database waits for the CPU");
      case NONE -> {}
    }
  }

  /** Starts Slipway; the caller closes it. */
  public static Slipway start(SlipwayConfig config) throws Exception {
    Instant started = Instant.now();
    Deque<AutoCloseable> closeables = new ArrayDeque<>();
    try {
      // the sandbox before the database: its first worker, a JVM of its own that takes seconds to
      // be ready, starts while the database does
      var compiled = new PostgresTranspileCache();
      Sandbox sandbox =
          push(
              closeables,
              config.sandboxInProcess()
                  ? new ScriptSandbox(
                      new SandboxLimits(
                          config.scriptTimeout(),
                          config.scriptStatementLimit(),
                          Math.max(2, Runtime.getRuntime().availableProcessors() * 2)),
                      compiled)
                  : new WorkerPool(
                      new SandboxLimits(
                          config.scriptTimeout(),
                          config.scriptStatementLimit(),
                          config.sandboxWorkerCount()),
                      config.sandboxWorkersAtRest(),
                      config.sandboxGuardedWorkers(),
                      config.sandboxWorkerHeap(),
                      config.sandboxNice(),
                      config.sandboxShortRunsAtServerPriority(),
                      compiled));
      Database database = push(closeables, Database.open(config.database(), Bootstrap.DEFAULT_ORG));
      compiled.use(database.platformDataSource());
      if (config.sandboxInProcess()) {
        LOG.warn(
            "SLIPWAY_SANDBOX=in-process: scripts run inside the server, where a hostile one can exhaust its memory; "
                + "use it only when every script author is trusted");
      }

      var settings = new SettingsStore(database.platformDataSource());
      var platform = new PlatformTransactions(database.platformDataSource());
      var identities = new IdentityStore();
      var credentials = new CredentialStore();
      var audit = new AuditStore();
      Bootstrap.ensureAdminKey(platform, credentials, settings, config.adminToken());
      var tokens =
          new Tokens(Bootstrap.tokenKey(settings), Duration.ofMinutes(15), Clock.systemUTC());
      var authenticator = new Authenticator(platform, identities, credentials, tokens);
      var signIn = new SignIn(platform, identities, credentials, audit, tokens);
      var secrets =
          new Secrets(
              platform,
              audit,
              MasterKey.load(config.masterKey(), config.dataDir()),
              config
                  .previousMasterKey()
                  .map(k -> MasterKey.parse(k, "SLIPWAY_MASTER_KEY_PREVIOUS")));
      secrets.rewrap();
      var endpoints = new EndpointStore();
      var releases = new ReleaseStore();
      var codec = new SpecCodec();
      var consumerKeys = new ConsumerKeys(platform, audit);
      var egressRules = new EgressRules(platform, audit);
      // ctx.fetch's host side, for the script sandbox to call
      var egress = push(closeables, new Egress(egressRules));
      var scriptHosts = new ScriptHosts(egress, config.scriptTimeout());
      RateLimiter limiter =
          push(
              closeables,
              config.redisUrl().isPresent()
                  ? new SharedRateLimiter(
                      () -> new RedisRateLimiter(config.redisUrl().get(), Duration.ofMillis(200)))
                  : new LocalRateLimiter());
      var compiler =
          new EndpointCompiler(
              database.orgs(), sandbox, secrets, consumerKeys, limiter, scriptHosts);
      var live = new LiveRouting();
      var costs = new CostGate();
      var costControl =
          push(
              closeables,
              new CostControl(
                  platform,
                  new QuotaStore(),
                  audit,
                  costs,
                  live,
                  config.callLogKeepFor(),
                  config.costControlInterval(),
                  Clock.systemUTC()));
      var versions =
          new Drafts(codec, compiler, endpoints, audit, platform, costControl::checkNewEndpoint);
      var schedules = new ScheduleStore(platform);
      var deployer = new Deployer(platform, endpoints, releases, audit, versions, live, schedules);
      deployer.loadActive();
      var callStore =
          new CallStore(
              platform,
              new CallStore.Retention(
                  config.callLogKeepFor(),
                  config.callLogKeepCalls(),
                  config.callLogKeepBytes(),
                  config.analyticsKeepFor()),
              costs::keeps);
      if (config.callLogKeep()) callStore.prepare();
      else
        LOG.warn(
            "SLIPWAY_CALL_LOG_KEEP=false: calls are not kept, and analytics, usage and quotas on calls have nothing to read");
      // made before the call log, so that they close after it has written its last calls
      var metrics = push(closeables, new Metrics());
      Tracing tracing =
          config.otlpEndpoint().isPresent()
              ? push(closeables, new Tracing(config.otlpEndpoint().get(), config.otlpServiceName()))
              : null;
      var calls =
          push(
              closeables,
              new CallLog(
                  4_096,
                  config.callLogLevel(),
                  System.out,
                  config.callLogKeep() ? callStore : CallKeeper.NONE));
      calls.listen(metrics.requests());
      if (tracing != null) {
        calls.listen(tracing.spans());
        calls.afterWrite(tracing::export);
        metrics.gauges(
            "slipway.traces",
            "Spans exported over OTLP, and dropped",
            () -> Map.of("exported", tracing.exported(), "dropped", tracing.dropped()));
      }
      metrics.gauges(
          "slipway.sandbox", "The script sandbox (GET /api/health's sandbox)", sandbox::health);
      metrics.gauges(
          "slipway.db.org_pools",
          "Connections of the orgs' pools, summed",
          () -> database.orgs().connections());
      metrics.gauges(
          "slipway.db.platform_pool",
          "Connections of Slipway's own pool",
          () -> {
            var bean = database.platformPool().getHikariPoolMXBean();
            return bean == null
                ? Map.of()
                : Map.of(
                    "active", bean.getActiveConnections(),
                    "idle", bean.getIdleConnections(),
                    "connections", bean.getTotalConnections(),
                    "waiting", bean.getThreadsAwaitingConnection());
          });
      metrics.gauges(
          "slipway.recorder",
          "The call log's recorder: calls recorded, kept, missed and waiting",
          () -> Metrics.recorder(calls.stats(), callStore.rollupsDropped()));
      var alerts =
          push(
              closeables,
              new Alerts(
                  platform,
                  new AlertStore(),
                  new AnalyticsStore(platform),
                  costControl,
                  egress,
                  secrets::values,
                  audit,
                  config.alertInterval(),
                  Clock.systemUTC()));
      var jobStore = new JobStore(platform);
      var webhookStore = new WebhookStore(platform);
      var jobRunner =
          push(
              closeables,
              new JobRunner(
                      jobStore,
                      live,
                      deployer::loadActive,
                      calls,
                      config.jobs(),
                      instanceName(),
                      egress,
                      secrets::values,
                      webhookStore)
                  .start());
      push(closeables, new Scheduler(schedules, Duration.ofSeconds(1)).start());
      // after the runner it wakes; a start calls every handler, so nothing sent before is missed
      Function<Map<String, Notifications.Handler>, Notifications> listener =
          handlers ->
              new Notifications(
                      database.platformPool().getJdbcUrl(),
                      database.platformPool().getUsername(),
                      database.platformPool().getPassword(),
                      handlers)
                  .start();
      push(
          closeables,
          listener.apply(
              Map.of(
                  Deployer.CHANNEL,
                  payload -> deployer.loadActive(),
                  Secrets.CHANNEL,
                  Notifications.perOrg(secrets::invalidate, secrets::invalidateAll),
                  ConsumerKeys.CHANNEL,
                  payload -> consumerKeys.invalidate(),
                  EgressRules.CHANNEL,
                  Notifications.perOrg(egressRules::invalidate, egressRules::invalidateAll),
                  CostControl.CHANNEL,
                  payload -> costControl.refresh(),
                  JobStore.CHANNEL,
                  payload -> jobRunner.wake())));
      var drafts = new DraftTests(platform, endpoints, codec, compiler, database.orgs(), secrets);
      var console = new ScriptConsole(sandbox, database.orgs(), scriptHosts);

      var hub = push(closeables, new Hub(new ChannelStore(platform)));
      // messages on a connection and thread of their own: a reload of routes never holds them up
      push(closeables, listener.apply(Map.of(Hub.CHANNEL, hub::notified)));
      var dataPlane =
          push(
              closeables,
              new DataPlaneServer(
                      config.host(),
                      config.dataPort(),
                      config.maxBodyBytes(),
                      config.poolSize(),
                      config.refusalDelay(),
                      live,
                      calls,
                      costs,
                      hub,
                      config.otlpEndpoint().isPresent())
                  .start());
      var templates =
          new TemplateService(
              List.of(
                  new CrudTemplate(),
                  new WebhookReceiverTemplate(),
                  new BackgroundJobTemplate(),
                  new RealtimeChannelTemplate()),
              platform,
              database.orgs(),
              codec,
              versions,
              deployer,
              drafts,
              audit);
      var analyzer = new SchemaAnalyzer(database.orgs());
      var generator =
          push(
              closeables,
              new Generator(
                  analyzer,
                  new QueryAnalysis(database.orgs()),
                  codec,
                  versions,
                  drafts,
                  deployer,
                  config.model(),
                  new ModelUsageStore(platform),
                  secrets::values,
                  (org, url) -> {
                    try {
                      egress.checkWithoutResolving(org, url);
                      return Optional.empty();
                    } catch (EgressException e) {
                      return Optional.of(e.getMessage());
                    }
                  }));
      var gate =
          new ControlPlaneServer.Gate(
              platform, authenticator, audit, limiter, config.platformRateLimit());
      var controlPlane =
          push(
              closeables,
              new ControlPlaneServer(
                      config.host(),
                      config.controlPort(),
                      config.maxBodyBytes(),
                      gate,
                      List.of(
                          new StatusRoutes(
                              live,
                              console,
                              database.orgs(),
                              database.embedded(),
                              VERSION,
                              started),
                          new ConsoleRoutes(console, secrets, platform, audit),
                          new LogRoutes(calls),
                          new StudioRoutes(),
                          new AnalyticsRoutes(new AnalyticsStore(platform)),
                          new MetricsRoutes(metrics, config.metricsToken()),
                          new CostRoutes(costControl, config.operatorToken()),
                          new AlertRoutes(alerts, egress, secrets),
                          new TemplateRoutes(templates, drafts, live),
                          new EndpointRoutes(versions, endpoints, platform, live, secrets, calls),
                          new ReleaseRoutes(deployer, releases, platform, live),
                          new SessionRoutes(signIn, authenticator),
                          new KeyRoutes(new ApiKeys(platform, credentials, audit), consumerKeys),
                          new MemberRoutes(new Members(platform, identities, credentials, audit)),
                          new OrgRoutes(
                              new Orgs(platform, identities, audit), database.orgs(), egressRules),
                          new SecretRoutes(secrets),
                          new JobRoutes(jobStore, live, audit),
                          new ScheduleRoutes(schedules, jobStore, audit),
                          new WebhookRoutes(webhookStore, jobStore, audit, secrets),
                          new GenerateRoutes(
                              analyzer, generator, gate, live, new ChatStore(platform))))
                  .start());
      LOG.info(
          "Slipway {} serving endpoints on :{} and the platform API on :{} ({} endpoint(s) live)",
          VERSION,
          dataPlane.port(),
          controlPlane.port(),
          live.current().router().targets().size());
      return new Slipway(closeables, dataPlane, controlPlane);
    } catch (Exception | Error e) {
      closeAll(closeables);
      throw e;
    }
  }

  /** This instance's name in job leases: host and process id. */
  private static String instanceName() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "localhost";
    }
    return host + ":" + ProcessHandle.current().pid() + ":" + Long.toHexString(System.nanoTime());
  }

  public int dataPort() {
    return dataPlane.port();
  }

  public int controlPort() {
    return controlPlane.port();
  }

  @Override
  public void close() {
    closeAll(closeables);
  }

  private static <T extends AutoCloseable> T push(Deque<AutoCloseable> closeables, T closeable) {
    closeables.push(closeable);
    return closeable;
  }

  private static void closeAll(Deque<AutoCloseable> closeables) {
    while (!closeables.isEmpty()) {
      AutoCloseable next = closeables.pop();
      try {
        next.close();
      } catch (Exception e) {
        LOG.warn("closing {} failed", next.getClass().getSimpleName(), e);
      }
    }
  }
}
