package dev.slipway.sandbox;

import dev.slipway.spec.ScriptLanguage;
import org.graalvm.polyglot.Source;

/**
 * The JavaScript the sandbox itself runs in every context. The sources are built once per sandbox
 * and marked cached, so the shared engine parses (and the JIT compiles) them once for all contexts,
 * and internal, so they neither count against the statement limit nor show in script stack traces.
 */
final class Prelude {

  /**
   * The first line of a user's body shares the wrapper's first line, so line numbers in syntax
   * errors and stacks are the author's own. Strict mode makes an undeclared assignment an error
   * instead of a global that the next run in the same context would see.
   */
  static final String WRAPPER_START = "(async function (ctx) { 'use strict'; ";

  static final String TYPESCRIPT_WRAPPER_START = "(async function (ctx: any) { 'use strict'; ";
  static final String WRAPPER_END = "\n})";

  /**
   * Evaluated once per context with the {@link HostBridge#functions()} and the walk {@link #HARDEN}
   * returns; returns {@code [run, trial]}, two copies of {@code run(fn, inputJson)} (the second for
   * scripts on trial, {@link PooledContext#run}). Before returning it hardens the realm: every
   * intrinsic reachable from {@code globalThis} is frozen, and so is {@code globalThis}, because
   * pooled contexts are shared by all scripts and one script's {@code Array.prototype.x = ...} or
   * {@code JSON = ...} must not change what the next one sees. Freezing prototypes turns {@code
   * obj.toString = f} or {@code this.name = 'MyError'} into a TypeError (JavaScript's "override
   * mistake"), so for the few names user code commonly assigns that way the prototypes get an
   * accessor whose setter defines an own property on the target instead. It also defines {@code
   * __slipway_import}, read-only, which the import declarations {@link Modules#rewriteImports}
   * leaves in scripts call: it loads a module on its first import in the context and hardens it
   * with the same walk before any script gets it.
   */
  private static final String RUNNER =
      """
      (function (bridgeLog, bridgeQuery, bridgeQueryError, bridgeSucceed, bridgeFail, bridgeSecret, bridgeFetch, bridgeExceed, maxOutput, hardenWalk) {
       'use strict';
       const parse = JSON.parse, stringify = JSON.stringify;
       const show = (v) => {
        switch (typeof v) {
         case 'string': return v;
         case 'function': return '[Function ' + (v.name || 'anonymous') + ']';
         case 'bigint': return v + 'n';
         case 'object':
          if (v === null) return 'null';
          if (v instanceof Error) return v.name + ': ' + v.message;
          try { return stringify(v); } catch (e) { return String(v); }
         default: return String(v);
        }
       };
       const join = (args) => {
        let s = '';
        for (let i = 0; i < args.length; i++) s += (i > 0 ? ' ' : '') + show(args[i]);
        return s;
       };
       const describe = (e) => {
        try {
         if (e !== null && typeof e === 'object' && typeof e.name === 'string' && typeof e.message === 'string') {
          return e.message ? e.name + ': ' + e.message : e.name;
         }
         return 'Uncaught ' + show(e);
        } catch (ignored) {
         return 'Uncaught exception';
        }
       };
       const logAt = (level) => (...args) => {
        if (!bridgeLog(level, join(args))) throw new RangeError('log limit exceeded: the run is over and its log was cut');
       };
       const log = logAt('info');
       const console = Object.freeze({ log, info: log, debug: logAt('debug'), warn: logAt('warn'), error: logAt('error') });
       const db = Object.freeze({
        query: async (sql, params) => {
         const rows = bridgeQuery(String(sql), params === undefined || params === null ? null : stringify(params));
         if (rows === null) throw new Error(bridgeQueryError());
         return parse(rows);
        }
       });
       // a job for one of the org's handlers, added in the request's transaction (migration V16)
       const enqueue = async (handler, payload, options) => {
        const o = options === undefined || options === null ? {} : options;
        const rows = await db.query(
         'select slipway_runtime.enqueue(:handler, cast(:payload as jsonb), cast(:delay as bigint), :key, cast(:attempts as int)) as id',
         {
          handler: String(handler),
          payload: stringify(payload === undefined ? null : payload),
          delay: o.delayMs === undefined || o.delayMs === null ? 0 : Number(o.delayMs),
          key: o.idempotencyKey === undefined || o.idempotencyKey === null ? null : String(o.idempotencyKey),
          attempts: o.attempts === undefined || o.attempts === null ? null : Number(o.attempts)
         });
        return rows[0].id;
       };
       // a webhook in the outbox, in the request's transaction (migration V19)
       const webhook = async (url, event, data, options) => {
        const o = options === undefined || options === null ? {} : options;
        const rows = await db.query(
         'select slipway_runtime.send_webhook(:url, :event, cast(:data as jsonb), :secret, cast(:retry as bigint)) as id',
         {
          url: String(url),
          event: String(event),
          data: stringify(data === undefined ? null : data),
          secret: o.secret === undefined || o.secret === null ? null : String(o.secret),
          retry: o.retryForMs === undefined || o.retryForMs === null ? 86400000 : Number(o.retryForMs)
         });
        return rows[0].id;
       };
       // a realtime message, published when the request's transaction commits (migration V21)
       const emit = async (topic, data, options) => {
        const o = options === undefined || options === null ? {} : options;
        const rows = await db.query(
         'select slipway_runtime.emit(:topic, cast(:data as jsonb), :event) as id',
         {
          topic: String(topic),
          data: stringify(data === undefined ? null : data),
          event: o.event === undefined || o.event === null ? null : String(o.event)
         });
        return rows[0].id;
       };
       const secrets = Object.freeze({
        get: (name) => {
         const value = bridgeSecret(String(name));
         if (value === null) {
          const error = bridgeQueryError();
          if (error !== null) throw new Error(error);
          return undefined;
         }
         return value;
        }
       });
       const headersOf = (h) => {
        const out = {};
        if (h === undefined || h === null) return out;
        const entries = typeof h.entries === 'function' && !Array.isArray(h) ? Array.from(h.entries())
         : Array.isArray(h) ? h : Object.entries(h);
        for (const [k, v] of entries) out[String(k)] = String(v);
        return out;
       };
       const fetch = async (url, init) => {
        const options = init === undefined || init === null ? {} : init;
        const request = {
         url: String(url),
         method: options.method === undefined ? 'GET' : String(options.method).toUpperCase(),
         headers: headersOf(options.headers),
         body: options.body === undefined || options.body === null ? null
          : typeof options.body === 'string' ? options.body : stringify(options.body)
        };
        const answer = bridgeFetch(stringify(request));
        if (answer === null) throw new TypeError('fetch failed: ' + bridgeQueryError());
        const r = parse(answer);
        const headers = Object.freeze({
         get: (name) => { const v = r.headers[String(name).toLowerCase()]; return v === undefined ? null : v; },
         has: (name) => r.headers[String(name).toLowerCase()] !== undefined,
         entries: () => Object.entries(r.headers)[Symbol.iterator](),
         toJSON: () => r.headers
        });
        return Object.freeze({
         status: r.status, statusText: r.statusText, ok: r.status >= 200 && r.status < 300, url: r.url, headers,
         text: async () => r.body,
         json: async () => parse(r.body)
        });
       };
       Object.defineProperty(globalThis, 'console', { value: console, writable: false, enumerable: false, configurable: false });

       const overridable = ['constructor', 'name', 'message', 'toString', 'valueOf', 'toLocaleString', 'toJSON'];
       // the accessor a hardened data property gets (see above); made here, in the shared source, so
       // that every context's accessors are the same functions to the JIT
       const accessor = (o, key, value, enumerable) => ({
        get() { return value; },
        set(v) {
         if (this === o) throw new TypeError('Cannot assign to read only property \\'' + String(key) + '\\' of a built-in');
         Object.defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
        },
        enumerable,
        configurable: false
       });
       const harden = (root, overridableOf) => hardenWalk(root, overridableOf, accessor);

       // Import declarations become calls of __slipway_import (see Modules). A module is loaded on
       // its first import in this context and hardened before any script sees it; its classes'
       // prototypes get the accessor for every method, since module code assigns methods to
       // instances (zod: this.parse = this.parse.bind(this)).
       const loadModule = globalThis.__slipway_module_loader;
       delete globalThis.__slipway_module_loader;
       const isPrototype = (o) => {
        const d = Reflect.getOwnPropertyDescriptor(o, 'constructor');
        return d !== undefined && 'value' in d && typeof d.value === 'function' && d.value.prototype === o;
       };
       const moduleOverridable = (o) => typeof o === 'object' && isPrototype(o) ? Reflect.ownKeys(o) : [];
       const modules = new Map();
       Object.defineProperty(globalThis, '__slipway_import', {
        value: function __slipway_import(name) {
         if (name !== 'zod') throw new Error('cannot import \\'' + String(name) + '\\': only "zod" can be imported');
         let exports = modules.get(name);
         if (exports === undefined) {
          exports = harden(loadModule(name), moduleOverridable);
          modules.set(name, exports);
         }
         return exports;
        },
        writable: false, enumerable: false, configurable: false
       });

       harden(globalThis, (o) => typeof o === 'object' && o !== globalThis ? overridable : []);

       const settle = (value) => {
        let text;
        try { text = stringify(value); } catch (e) { bridgeFail(describe(e)); return; }
        if (text !== undefined && text.length > maxOutput) {
         bridgeExceed('OUTPUT', 'the result is ' + text.length + ' characters of JSON; at most ' + maxOutput + ' are allowed');
         return;
        }
        bridgeSucceed(text === undefined ? 'null' : text);
       };
       const reject = (e) => { bridgeFail(describe(e)); };
      """
          + "return ["
          + runFunction("run")
          + ", "
          + runFunction("trial")
          + "];\n})\n";

  /**
   * The runner's {@code run(fn, input)} named {@code name}: it makes {@code ctx} of the input's
   * JSON, calls the script's function with it and settles the outcome through the bridge.
   */
  private static String runFunction(String name) {
    return """
        function %s(fn, input) {
         const ctx = parse(input);
         ctx.log = log;
         ctx.db = db;
         ctx.secrets = secrets;
         ctx.fetch = fetch;
         ctx.enqueue = enqueue;
         ctx.webhook = webhook;
         ctx.emit = emit;
         fn(ctx).then(settle, reject);
        }"""
        .formatted(name);
  }

  /**
   * Evaluated once per context, before the runner, which it is given to: returns the walk {@code
   * (root, overridableOf, accessor)} that hardens what is reachable from {@code root} as described
   * at {@link #RUNNER}, giving each data property {@code overridableOf(o)} names the descriptor
   * {@code accessor(o, key, value, enumerable)} makes. Its source is not cached, so each context
   * has its own copy: the walk runs once per context (and once per module) over thousands of
   * objects, so a shared copy was hot enough for the JIT by the second context, and compiling it
   * took a serving worker's compiler threads 5–8 s of CPU just when a script stopped at a limit had
   * its context replaced (bench/fairness/timeline.sh). Interpreted, it takes about 0.2 s per
   * context. The accessors themselves come from the runner's shared source: scripts' compiled code
   * calls them.
   */
  private static final String HARDEN =
      """
      (function () {
       'use strict';
       // Freezes everything reachable from root (property values, accessors, prototypes); for each
       // object, the data properties overridableOf(o) names get the accessor the runner makes.
       // Objects hardened by an earlier call (the realm, for a module) are not walked again.
       const hardened = new WeakSet();
       return (root, overridableOf, accessor) => {
        const seen = new Set();
        const todo = [root];
        while (todo.length > 0) {
         const o = todo.pop();
         if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o) || hardened.has(o)) continue;
         seen.add(o);
         todo.push(Object.getPrototypeOf(o));
         for (const key of Reflect.ownKeys(o)) {
          const d = Reflect.getOwnPropertyDescriptor(o, key);
          if ('value' in d) todo.push(d.value); else todo.push(d.get, d.set);
         }
        }
        for (const o of seen) {
         for (const key of overridableOf(o)) {
          const d = Reflect.getOwnPropertyDescriptor(o, key);
          if (d === undefined || !('value' in d) || !d.configurable) continue;
          Object.defineProperty(o, key, accessor(o, key, d.value, d.enumerable));
         }
         Object.freeze(o);
        }
        for (const o of seen) hardened.add(o);
        return root;
       };
      })
      """;

  /**
   * Compiles a JavaScript body the way the {@code AsyncFunction} constructor does, without running
   * it. The wrapped source parsing is not enough: a body such as {@code "}); more(); (function ()
   * {"} closes the wrapper and is still valid JavaScript.
   */
  private static final String BODY_CHECK =
      """
      (function (body) {
       const AsyncFunction = (async function () {}).constructor;
       new AsyncFunction('ctx', body);
      })
      """;

  private Prelude() {}

  static Source runnerSource() {
    return Source.newBuilder("js", RUNNER, "slipway-prelude.js")
        .cached(true)
        .internal(true)
        .buildLiteral();
  }

  static Source hardenSource() {
    return Source.newBuilder("js", HARDEN, "slipway-harden.js")
        .cached(false)
        .internal(true)
        .buildLiteral();
  }

  static Source bodyCheckSource() {
    return Source.newBuilder("js", BODY_CHECK, "slipway-body-check.js")
        .cached(true)
        .internal(true)
        .buildLiteral();
  }

  static String wrap(String body, ScriptLanguage language) {
    return switch (language) {
      case JAVASCRIPT -> WRAPPER_START + body + WRAPPER_END;
      case TYPESCRIPT -> TYPESCRIPT_WRAPPER_START + body + WRAPPER_END;
    };
  }
}
