-- Secrets, encrypted at rest. Each org has a data key (AES-256) that encrypts its secrets with
-- AES-256-GCM; the data key is itself stored wrapped (AES-256-GCM) under the instance's master
-- key, named by kek_id. Rotating the master key re-wraps the data keys, not the secrets.
create table slipway.org_keys (
  org_id      bigint primary key references slipway.orgs (id),
  kek_id      text not null,
  wrapped_key bytea not null,
  created_at  timestamptz not null default now(),
  rotated_at  timestamptz
);

create table slipway.secrets (
  org_id     bigint not null references slipway.orgs (id),
  name       text not null check (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,127}$'),
  ciphertext bytea not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, name)
);

do $$
declare
  t text;
begin
  foreach t in array array['org_keys', 'secrets'] loop
    execute format('alter table slipway.%I enable row level security', t);
    execute format('alter table slipway.%I force row level security', t);
    execute format('create policy org_isolation on slipway.%I using '
                   '(slipway.current_org() is null or org_id = slipway.current_org())', t);
  end loop;
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, update, delete on slipway.secrets to slipway_platform;
    grant select, insert on slipway.org_keys to slipway_platform;
  end if;
end $$;
