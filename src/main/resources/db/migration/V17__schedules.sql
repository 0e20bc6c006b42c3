-- Schedules (issue 23): a spec with `trigger: {schedule: {cron, timezone, missed, overlap}}` is a
-- job handler whose runs are enqueued at the ticks of its cron expression. One row per schedule an
-- org has deployed, written in the deploy's (or rollback's) transaction: `live` while a schedule
-- of that name is in the org's live release, `paused` by a person through the API (kept across
-- deploys). The instance that holds the schedules' advisory lock enqueues each due tick as a job
-- (idempotency key `schedule:<tick>`, so a tick is enqueued once) and moves next_run_at on.
create table slipway.schedules (
  org_id       bigint not null references slipway.orgs (id) on delete cascade,
  handler      text not null check (length(handler) between 1 and 200),
  cron         text not null,
  timezone     text not null,
  missed       text not null check (missed in ('skip', 'catchUp')),
  overlap      text not null check (overlap in ('skip', 'allow')),
  live         boolean not null default true,
  paused       boolean not null default false,
  next_run_at  timestamptz,
  last_tick_at timestamptz,
  last_job_id  bigint,
  runs         bigint not null default 0,
  skipped      bigint not null default 0,
  updated_at   timestamptz not null default now(),
  primary key (org_id, handler)
);
create index schedules_due on slipway.schedules (next_run_at) where live and not paused;

alter table slipway.schedules enable row level security;
alter table slipway.schedules force row level security;
create policy org_isolation on slipway.schedules
  using (slipway.current_org() is null or org_id = slipway.current_org());

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, update, delete on slipway.schedules to slipway_platform;
  end if;
end $$;
