-- Alert rules (issue 21): per org, on one endpoint or all of them, a condition over a window
-- (error_rate: the share of calls answered 5xx; p95: the 95th percentile in ms; quota: the largest
-- share of any quota used), delivered to a webhook through the org's egress policy and signed
-- with one of the org's secrets (HMAC-SHA256). `firing` is the state the last evaluation left.
create table slipway.alert_rules (
  id             bigint generated always as identity primary key,
  org_id         bigint not null references slipway.orgs (id) on delete cascade,
  name           text not null,
  endpoint       text,
  kind           text not null check (kind in ('error_rate', 'p95', 'quota')),
  threshold      double precision not null check (threshold >= 0),
  window_s       int not null check (window_s between 60 and 86400),
  webhook_url    text not null,
  signing_secret text not null,
  firing         boolean not null default false,
  changed_at     timestamptz,
  last_delivery  text,
  created_at     timestamptz not null default now(),
  unique (org_id, name)
);
alter table slipway.alert_rules enable row level security;
alter table slipway.alert_rules force row level security;
create policy org_isolation on slipway.alert_rules
  using (slipway.current_org() is null or org_id = slipway.current_org());

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, update, delete on slipway.alert_rules to slipway_platform;
    grant usage on sequence slipway.alert_rules_id_seq to slipway_platform;
  end if;
end $$;
