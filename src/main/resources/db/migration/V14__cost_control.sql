-- Cost control (issue 21): the quotas an operator sets per org (null: no limit), each org's
-- auto-pause setting, and the endpoints that were paused: paused while resumed_at is null
-- (answering 503 endpoint_paused), and when resumed, counted idle from then on by auto-pause.
create table slipway.org_quotas (
  org_id                     bigint primary key references slipway.orgs (id) on delete cascade,
  endpoints                  int check (endpoints >= 0),
  calls_per_day              bigint check (calls_per_day >= 0),
  calls_per_month            bigint check (calls_per_month >= 0),
  script_cpu_seconds_per_day bigint check (script_cpu_seconds_per_day >= 0),
  log_mb                     bigint check (log_mb >= 0),
  updated_at                 timestamptz not null default now()
);
create table slipway.auto_pause (
  org_id   bigint primary key references slipway.orgs (id) on delete cascade,
  after_s  bigint not null check (after_s >= 60)
);
create table slipway.endpoint_pauses (
  org_id    bigint not null references slipway.orgs (id) on delete cascade,
  endpoint  text not null,
  paused_at timestamptz not null default now(),
  reason    text not null check (reason in ('auto', 'manual')),
  resumed_at timestamptz,
  primary key (org_id, endpoint)
);

do $$
declare
  t text;
begin
  foreach t in array array['org_quotas', 'auto_pause', 'endpoint_pauses'] loop
    execute format('alter table slipway.%I enable row level security', t);
    execute format('alter table slipway.%I force row level security', t);
    execute format(
      'create policy org_isolation on slipway.%I using (slipway.current_org() is null or org_id = slipway.current_org())', t);
  end loop;
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select on slipway.org_quotas to slipway_platform;
    grant select, insert, update, delete on slipway.auto_pause, slipway.endpoint_pauses to slipway_platform;
  end if;
end $$;
