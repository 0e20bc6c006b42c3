// Types of what a Slipway `script` step sees, for editors: save as slipway.d.ts next to your
// scripts (or reference it with /// <reference path="slipway.d.ts" />). A script step is the body
// of `async function (ctx)`: read `ctx`, await `ctx.db.query`, and return the step's output.
//
// `import { z } from "zod"` works in scripts (zod 3.25.76 is bundled). Its types are not declared
// here: install the same version next to your scripts (`npm i -D zod@3.25.76`) for editors to see them.

declare namespace Slipway {
  /** A JSON value, as requests, rows and step outputs carry them. */
  type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

  /** The request, after the endpoint's input contract coerced and checked it. */
  interface Input {
    /** Path parameters, by name (`/teams/:teamId` gives `params.teamId`). */
    params: Record<string, Json>;
    /** Query parameters: declared ones coerced to their schema's type, others as strings. */
    query: Record<string, Json>;
    /** Headers, names lower-cased, first value of each. */
    headers: Record<string, string>;
    /** The JSON body, or null. */
    body: Json;
  }

  /** A row of `ctx.db.query`: column name to value (timestamps as ISO-8601 strings). */
  type Row = Record<string, Json>;

  interface Database {
    /**
     * Runs one SQL statement in the request's transaction. Parameters are named (`:id`) and
     * bound, never spliced: `await ctx.db.query("select * from app.projects where id = :id", { id })`.
     * Throws (a catchable Error with the database's message) when the statement fails.
     */
    query<T extends Row = Row>(sql: string, params?: Record<string, Json>): Promise<T[]>;
  }

  interface Secrets {
    /** The org's secret of that name (`PUT /api/secrets/{name}`), or undefined when there is none. */
    get(name: string): string | undefined;
  }

  /** What `ctx.fetch` takes: a subset of the Fetch API's RequestInit. */
  interface FetchInit {
    /** GET by default. */
    method?: string;
    headers?: Record<string, string> | [string, string][];
    /** Sent as is; any other value is sent as its JSON. Up to 1 MiB. */
    body?: string | Json;
  }

  /** What `ctx.fetch` answers: a subset of the Fetch API's Response, its body already read (up to 5 MiB). */
  interface FetchResponse {
    readonly status: number;
    readonly statusText: string;
    /** True for a 2xx status. */
    readonly ok: boolean;
    /** The URL that answered, after redirects (up to 5, each checked again). */
    readonly url: string;
    readonly headers: {
      get(name: string): string | null;
      has(name: string): boolean;
      entries(): IterableIterator<[string, string]>;
    };
    text(): Promise<string>;
    json<T = Json>(): Promise<T>;
  }

  interface Context {
    input: Input;
    /** Outputs of the steps that ran before this one, by step id. */
    steps: Record<string, Json>;
    /** Logs a line (info level) to the call's log; arguments are joined with spaces. */
    log(...args: unknown[]): void;
    db: Database;
    secrets: Secrets;
    /**
     * An HTTP request made by Slipway for the script, through the org's egress allow-list
     * (`PUT /api/org/egress`). Loopback, private, link-local and metadata addresses are refused
     * after DNS resolution unless the list has a CIDR entry for them; a numeric host is the address a
     * browser reads in it (`0177.0.0.1` is 127.0.0.1). Rejects with a TypeError
     * whose message starts `fetch failed: ` and names the reason (`egress_denied`, `egress_failed`, ...).
     */
    fetch(url: string, init?: FetchInit): Promise<FetchResponse>;
    /**
     * Adds a job for the org's job handler `handler` (a spec with `trigger: {job: ...}`), with
     * `payload` as its input body, in the request's transaction: a request that fails enqueues
     * nothing. Resolves to the job's id; with an idempotency key used before for the handler, to
     * the first job's id.
     */
    enqueue(handler: string, payload?: Json, options?: EnqueueOptions): Promise<number>;
    /**
     * Puts a webhook in the outbox in the request's transaction (a request that fails sends
     * nothing): after the commit it is posted to `url` through the org's egress policy as
     * `{type: event, timestamp, data}`, signed as Standard Webhooks sign with the org secret
     * `options.secret` names, and retried with back-off for `options.retryForMs` (default 24 h).
     * Resolves to the delivery's id (`GET /api/webhooks/deliveries/{id}`).
     */
    webhook(url: string, event: string, data: Json, options: WebhookOptions): Promise<number>;
    /**
     * Publishes `data` on the org's realtime topic `topic` when the request's transaction commits
     * (a request that fails publishes nothing): every subscriber of a channel on the topic, on
     * every instance, is sent it, with `options.event` as its event name. Resolves to the
     * message's id (its SSE id).
     */
    emit(topic: string, data: Json, options?: EmitOptions): Promise<number>;
  }

  interface EmitOptions {
    /** The message's event name (SSE `event:`). */
    event?: string;
  }

  interface WebhookOptions {
    /** The name of the org secret that signs it. */
    secret: string;
    /** How long a delivery that fails is tried again, in milliseconds (at most a week). */
    retryForMs?: number;
  }

  interface EnqueueOptions {
    /** How long after the commit the job is due, in milliseconds; default at once. */
    delayMs?: number;
    /** At most one job per key and handler. */
    idempotencyKey?: string;
    /** How many times it is tried, when not as many as the handler says (1 to 100). */
    attempts?: number;
  }
}

/** The script's context. */
declare const ctx: Slipway.Context;

/** Logs through the call's log, like `ctx.log`; no other console exists. */
declare const console: {
  log(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};
