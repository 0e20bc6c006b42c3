-- Identity, access and tenancy. Every platform row belongs to an org; the control plane works on
-- an org's rows as the role slipway_platform, under the row-level security policies below, with
-- the org in the transaction setting slipway.org_id. The owner of these tables (the connecting
-- user) bypasses the policies: it is used only for work that spans orgs (startup, sign-in,
-- looking up which org a key belongs to) and always names the org in its queries.

create table slipway.orgs (
  id         bigint generated always as identity primary key,
  slug       text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name       text not null,
  created_at timestamptz not null default now()
);
-- The org that rows made before orgs existed belong to.
insert into slipway.orgs (slug, name) values ('default', 'Default');

create table slipway.users (
  id                  bigint generated always as identity primary key,
  email               text not null,
  name                text,
  password_hash       text not null,
  password_changed_at timestamptz not null default now(),
  created_at          timestamptz not null default now()
);
create unique index users_email on slipway.users (lower(email));

create table slipway.memberships (
  org_id     bigint not null references slipway.orgs (id),
  user_id    bigint not null references slipway.users (id),
  role       text not null check (role in ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
create index memberships_user on slipway.memberships (user_id);

-- Platform API keys (for the CLI and CI). Only the token's SHA-256 is kept: a random 256-bit
-- token needs no slow hash. The prefix is what lists show.
create table slipway.api_keys (
  id           bigint generated always as identity primary key,
  org_id       bigint not null references slipway.orgs (id),
  name         text not null,
  prefix       text not null,
  token_sha256 text not null unique,
  role         text not null check (role in ('owner', 'admin', 'member', 'viewer')),
  scopes       text[] not null default '{}',
  created_by   bigint references slipway.users (id),
  created_at   timestamptz not null default now(),
  expires_at   timestamptz,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
create index api_keys_org on slipway.api_keys (org_id);

-- Studio sessions (cookie). The cookie carries a random token; only its SHA-256 is kept.
create table slipway.sessions (
  id           bigint generated always as identity primary key,
  org_id       bigint not null references slipway.orgs (id),
  user_id      bigint not null references slipway.users (id),
  token_sha256 text not null unique,
  csrf_token   text not null,
  created_at   timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at   timestamptz not null,
  revoked_at   timestamptz
);

-- Refresh tokens of JWT sign-ins. Each refresh uses one up and issues the next of its family; a
-- used token presented again revokes the whole family (it was stolen, or replayed).
create table slipway.refresh_tokens (
  id           bigint generated always as identity primary key,
  org_id       bigint not null references slipway.orgs (id),
  user_id      bigint not null references slipway.users (id),
  family       uuid not null,
  token_sha256 text not null unique,
  created_at   timestamptz not null default now(),
  expires_at   timestamptz not null,
  used_at      timestamptz,
  revoked_at   timestamptz
);
create index refresh_tokens_family on slipway.refresh_tokens (family);

-- Failed sign-ins per email (whether or not it exists) and per source address.
create table slipway.login_throttle (
  key          text primary key,
  failures     integer not null,
  window_start timestamptz not null,
  locked_until timestamptz
);

create table slipway.audit_log (
  id         bigint generated always as identity primary key,
  org_id     bigint references slipway.orgs (id),
  at         timestamptz not null default now(),
  actor      text not null,
  action     text not null,
  target     text,
  source_ip  text,
  request_id text,
  outcome    text not null check (outcome in ('success', 'failure', 'denied')),
  detail     jsonb
);
create index audit_log_org_at on slipway.audit_log (org_id, id desc);

create function slipway.audit_log_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'slipway.audit_log is append-only';
end $$;
create trigger audit_log_no_update before update or delete on slipway.audit_log
  for each row execute function slipway.audit_log_is_append_only();
create trigger audit_log_no_truncate before truncate on slipway.audit_log
  for each statement execute function slipway.audit_log_is_append_only();

-- Endpoints, versions, releases and activations belong to an org; rows from before are the
-- default org's (id 1, inserted above).
alter table slipway.endpoints add column org_id bigint not null default 1 references slipway.orgs (id);
alter table slipway.endpoints alter column org_id drop default;
alter table slipway.endpoints drop constraint endpoints_name_key;
alter table slipway.endpoints add constraint endpoints_org_name unique (org_id, name);

alter table slipway.endpoint_versions add column org_id bigint not null default 1 references slipway.orgs (id);
alter table slipway.endpoint_versions alter column org_id drop default;

alter table slipway.releases add column org_id bigint not null default 1 references slipway.orgs (id);
alter table slipway.releases alter column org_id drop default;

alter table slipway.release_endpoints add column org_id bigint not null default 1 references slipway.orgs (id);
alter table slipway.release_endpoints alter column org_id drop default;

alter table slipway.activations add column org_id bigint not null default 1 references slipway.orgs (id);
alter table slipway.activations alter column org_id drop default;
drop index slipway.activations_environment_id;
create index activations_org_environment_id on slipway.activations (org_id, environment, id desc);

-- The org of the current transaction, or null outside one.
create function slipway.current_org() returns bigint language sql stable as $$
  select nullif(current_setting('slipway.org_id', true), '')::bigint
$$;

-- Row-level security on every org-owned table, forced so that it binds the tables' owner too
-- (superusers always bypass it; they reach it through the role below). With no org set (work that
-- spans orgs) every row is visible; with one set, only that org's.
do $$
declare
  t text;
begin
  foreach t in array array['endpoints', 'endpoint_versions', 'releases', 'release_endpoints', 'activations',
                           'api_keys', 'sessions', 'refresh_tokens', 'memberships', 'audit_log'] loop
    execute format('alter table slipway.%I enable row level security', t);
    execute format('alter table slipway.%I force row level security', t);
    execute format('create policy org_isolation on slipway.%I using '
                   '(slipway.current_org() is null or org_id = slipway.current_org())', t);
  end loop;
end $$;

alter table slipway.orgs enable row level security;
alter table slipway.orgs force row level security;
create policy org_isolation on slipway.orgs using (slipway.current_org() is null or id = slipway.current_org());

-- A user is visible to an org it is a member of.
alter table slipway.users enable row level security;
alter table slipway.users force row level security;
create policy org_members on slipway.users using (slipway.current_org() is null
  or exists (select from slipway.memberships m where m.user_id = users.id and m.org_id = slipway.current_org()));

-- Users are created through this function: an org cannot see a user before it is a member, so
-- the insert runs with no org set. The unique email keeps an org from taking over an account.
create function slipway.create_user(p_email text, p_name text, p_password_hash text) returns bigint
  language plpgsql security definer set search_path = slipway, pg_temp as $$
declare
  org text := current_setting('slipway.org_id', true);
  new_id bigint;
begin
  perform set_config('slipway.org_id', '', true);
  insert into slipway.users (email, name, password_hash) values (p_email, p_name, p_password_hash) returning id into new_id;
  perform set_config('slipway.org_id', coalesce(org, ''), true);
  return new_id;
end $$;
revoke execute on function slipway.create_user(text, text, text) from public;

-- The role org-scoped work runs as (Platform.inOrg). Creating it needs CREATEROLE; a database user
-- without it gets no role, and the forced policies above alone keep orgs apart.
do $$
begin
  if not exists (select from pg_roles where rolname = 'slipway_platform') then
    begin
      create role slipway_platform nologin;
    exception when insufficient_privilege then
      raise notice 'no role slipway_platform (needs CREATEROLE): forced row-level security alone keeps orgs apart';
      return;
    end;
  end if;
  begin
    execute format('grant slipway_platform to %I', current_user);
  exception when insufficient_privilege then
    raise notice 'cannot grant slipway_platform to %: forced row-level security alone keeps orgs apart', current_user;
    return;
  end;
  grant usage on schema slipway to slipway_platform;
  grant execute on function slipway.current_org() to slipway_platform;
  grant execute on function slipway.create_user(text, text, text) to slipway_platform;
  grant select, insert, update on slipway.endpoints, slipway.endpoint_versions, slipway.releases,
    slipway.release_endpoints, slipway.activations, slipway.api_keys, slipway.sessions,
    slipway.refresh_tokens, slipway.memberships to slipway_platform;
  grant delete on slipway.memberships to slipway_platform;
  grant select, update on slipway.orgs to slipway_platform;
  grant select on slipway.users to slipway_platform;
  grant update (name, password_hash, password_changed_at) on slipway.users to slipway_platform;
  grant select, insert on slipway.audit_log to slipway_platform;
  grant usage on all sequences in schema slipway to slipway_platform;
end $$;
