-- Consumer keys: an org's keys for calling its apiKey endpoints (distinct from platform keys).
create table slipway.consumer_keys (
  id           bigint generated always as identity primary key,
  org_id       bigint not null references slipway.orgs (id),
  name         text not null,
  prefix       text not null,
  token_sha256 text not null unique,
  roles        text[] not null default '{}',
  created_at   timestamptz not null default now(),
  expires_at   timestamptz,
  revoked_at   timestamptz
);
create index consumer_keys_org on slipway.consumer_keys (org_id);
alter table slipway.consumer_keys enable row level security;
alter table slipway.consumer_keys force row level security;
create policy org_isolation on slipway.consumer_keys
  using (slipway.current_org() is null or org_id = slipway.current_org());

-- The role endpoints with a caller (apiKey, jwt) run their SQL as, with the caller's claims in
-- request.jwt.claims, so the user's own row-level security policies decide what a caller sees.
-- It has no privileges of its own: grant it what endpoints may touch. Creating it needs
-- CREATEROLE; without, Slipway sets the claims but keeps the connecting user (and says so).
do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, update on slipway.consumer_keys to slipway_platform;
  end if;
  if not exists (select from pg_roles where rolname = 'slipway_caller') then
    begin
      create role slipway_caller nologin noinherit;
    exception when insufficient_privilege then
      raise notice 'no role slipway_caller (needs CREATEROLE)';
      return;
    end;
  end if;
  begin
    execute format('grant slipway_caller to %I', current_user);
  exception when insufficient_privilege then
    raise notice 'cannot grant slipway_caller to %', current_user;
  end;
end $$;
