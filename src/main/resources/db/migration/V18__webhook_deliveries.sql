-- Webhooks in (issue 23): the event ids an org's webhook receivers (specs with `verify`) have taken,
-- so a replayed delivery is acknowledged without running again. A receiver claims the event id in
-- the request's own transaction, through slipway_runtime.claim_delivery on the org's login: the
-- claim commits with the request's work, and goes with it when the request fails; a second delivery
-- of the same event while the first runs waits for it, then finds it claimed.
create table slipway.webhook_deliveries (
  org_id      bigint not null references slipway.orgs (id) on delete cascade,
  endpoint    text not null check (length(endpoint) between 1 and 200),
  event_id    text not null check (length(event_id) between 1 and 500),
  received_at timestamptz not null default now(),
  primary key (org_id, endpoint, event_id)
);
create index webhook_deliveries_received on slipway.webhook_deliveries (received_at);

alter table slipway.webhook_deliveries enable row level security;
alter table slipway.webhook_deliveries force row level security;
create policy org_isolation on slipway.webhook_deliveries
  using (slipway.current_org() is null or org_id = slipway.current_org());

-- True when the caller's org had not taken the event at the endpoint: it is taken now, in the
-- caller's transaction. The org is the one whose login runs the SQL (session_user).
create function slipway_runtime.claim_delivery(endpoint_name text, event text)
returns boolean
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  org bigint;
begin
  select l.org_id into org from slipway.org_logins l where l.role_name = session_user;
  if org is null then
    raise exception 'claim_delivery: only an org''s SQL may claim deliveries' using errcode = '42501';
  end if;
  insert into slipway.webhook_deliveries (org_id, endpoint, event_id)
    values (org, endpoint_name, left(event, 500))
    on conflict do nothing;
  return found;
end $$;
revoke all on function slipway_runtime.claim_delivery(text, text) from public;

-- Gives the event back (the receiver answered 4xx or 5xx: the sender's retry runs again).
create function slipway_runtime.release_delivery(endpoint_name text, event text)
returns void
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  delete from slipway.webhook_deliveries d
    using slipway.org_logins l
    where l.role_name = session_user and d.org_id = l.org_id
      and d.endpoint = endpoint_name and d.event_id = left(event, 500);
end $$;
revoke all on function slipway_runtime.release_delivery(text, text) from public;

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, update, delete on slipway.webhook_deliveries to slipway_platform;
  end if;
end $$;
