-- Background jobs (issue 23): a durable queue of work for an org's job handlers (specs with
-- `trigger: {job: ...}`), taken by the instances' runners with FOR UPDATE SKIP LOCKED under a
-- lease. A job is `queued` (due at run_at), `running` (leased to an instance until locked_until),
-- `succeeded`, `dead` (its attempts spent) or `cancelled`. Each attempt is also a row of the call
-- log (method JOB), so the logs and analytics show job runs like calls.
create table slipway.jobs (
  id              bigint generated always as identity primary key,
  org_id          bigint not null references slipway.orgs (id) on delete cascade,
  handler         text not null check (length(handler) between 1 and 200),
  payload         jsonb not null,
  status          text not null default 'queued'
                  check (status in ('queued', 'running', 'succeeded', 'dead', 'cancelled')),
  attempts        int not null default 0,
  max_attempts    int check (max_attempts between 1 and 100),
  run_at          timestamptz not null default now(),
  idempotency_key text check (length(idempotency_key) <= 200),
  locked_by       text,
  locked_until    timestamptz,
  last_status     int,
  last_error      text,
  result          jsonb,
  created_at      timestamptz not null default now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  duration_ms     bigint
);
create unique index jobs_idempotency on slipway.jobs (org_id, handler, idempotency_key)
  where idempotency_key is not null;
create index jobs_due on slipway.jobs (run_at, id) where status = 'queued';
create index jobs_running on slipway.jobs (locked_until) where status = 'running';
create index jobs_by_org on slipway.jobs (org_id, id desc);
create index jobs_finished on slipway.jobs (finished_at) where status <> 'queued' and status <> 'running';
create index jobs_dead on slipway.jobs (org_id, handler) where status = 'dead';

alter table slipway.jobs enable row level security;
alter table slipway.jobs force row level security;
create policy org_isolation on slipway.jobs
  using (slipway.current_org() is null or org_id = slipway.current_org());

-- What an org's own SQL may call (its login gets usage on this schema and execute on each
-- function, OrgLogins): nothing else of Slipway's is reachable from it.
create schema slipway_runtime;
revoke all on schema slipway_runtime from public;

-- Adds a job for one of the caller's org's handlers in the caller's transaction, so a request that
-- rolls back enqueues nothing. The org is the one whose login runs the SQL (session_user, which a
-- login cannot change). With an idempotency key already used for the handler, the job that has it.
create function slipway_runtime.enqueue(
  job_handler text, job_payload jsonb, delay_ms bigint default 0, job_key text default null,
  job_attempts int default null)
returns bigint
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  org bigint;
  job bigint;
  body jsonb := coalesce(job_payload, 'null'::jsonb);
begin
  select l.org_id into org from slipway.org_logins l where l.role_name = session_user;
  if org is null then
    raise exception 'enqueue: only an org''s SQL may enqueue jobs' using errcode = '42501';
  end if;
  if job_handler is null or job_handler !~ '^[a-z0-9][a-z0-9-]{0,62}$' then
    raise exception 'enqueue: "%" is not a job handler''s name', job_handler using errcode = '22023';
  end if;
  if octet_length(body::text) > 262144 then
    raise exception 'enqueue: the payload is % bytes of JSON; at most 262144 are allowed',
      octet_length(body::text) using errcode = '22023';
  end if;
  if delay_ms is null or delay_ms < 0 or delay_ms > 31536000000 then
    raise exception 'enqueue: the delay must be from 0 to one year' using errcode = '22023';
  end if;
  if job_attempts is not null and (job_attempts < 1 or job_attempts > 100) then
    raise exception 'enqueue: attempts must be from 1 to 100' using errcode = '22023';
  end if;
  if length(job_key) > 200 then
    raise exception 'enqueue: an idempotency key has at most 200 characters' using errcode = '22023';
  end if;
  insert into slipway.jobs as j (org_id, handler, payload, run_at, idempotency_key, max_attempts)
    values (org, job_handler, body, now() + delay_ms * interval '1 millisecond', job_key,
            job_attempts)
    on conflict (org_id, handler, idempotency_key) where idempotency_key is not null do nothing
    returning j.id into job;
  if job is null then
    select j.id into job from slipway.jobs j
      where j.org_id = org and j.handler = job_handler and j.idempotency_key = job_key;
  elsif delay_ms = 0 then
    perform pg_notify('slipway_jobs', '');
  end if;
  return job;
end $$;
revoke all on function slipway_runtime.enqueue(text, jsonb, bigint, text, int) from public;

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, update, delete on slipway.jobs to slipway_platform;
  end if;
end $$;
