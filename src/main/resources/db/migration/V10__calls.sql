-- The call log: every data-plane call an org's endpoint served, written in batches off the request
-- path (ops.CallLog) and kept for a bounded time and number (SLIPWAY_CALL_LOG_KEEP_DAYS and
-- _CALLS), so GET /api/logs still answers after a restart. Calls no route matched are no org's and
-- are not kept. No foreign keys: a batch insert checks nothing per row.
create table slipway.calls (
  id          bigint generated always as identity primary key,
  org_id      bigint not null,
  at          timestamptz not null,
  request_id  text not null,
  method      text not null,
  path        text not null,
  endpoint    text not null,
  version     int not null,
  release_id  bigint not null,
  status      smallint not null,
  duration_us bigint not null,
  error       text
);
create index calls_org on slipway.calls (org_id, id desc);
alter table slipway.calls enable row level security;
alter table slipway.calls force row level security;
create policy org_isolation on slipway.calls
  using (slipway.current_org() is null or org_id = slipway.current_org());

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select on slipway.calls to slipway_platform;
  end if;
end $$;
