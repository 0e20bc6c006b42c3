/**
 * Background jobs: {@link dev.slipway.jobs.JobRunner} takes due jobs from the queue in PostgreSQL
 * ({@link dev.slipway.store.JobStore}, migration V16) under a lease and runs each with its org's
 * live job handler, a spec with {@code trigger: {job: ...}}.
 */
package dev.slipway.jobs;
