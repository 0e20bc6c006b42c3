-- Slipway's own tables. They live in the schema "slipway", apart from the user's data.

create table slipway.settings (
  key        text primary key,
  value      text not null,
  updated_at timestamptz not null default now()
);

create table slipway.endpoints (
  id         bigint generated always as identity primary key,
  name       text not null unique,
  created_at timestamptz not null default now()
);

-- Every save of a changed spec is a new, immutable version.
create table slipway.endpoint_versions (
  id            bigint generated always as identity primary key,
  endpoint_id   bigint not null references slipway.endpoints (id),
  version       integer not null,
  hash          text not null,
  method        text not null,
  path          text not null,
  spec          jsonb not null,
  source        text not null,
  created_at    timestamptz not null default now(),
  unique (endpoint_id, version)
);

-- A release is an immutable set of endpoint versions.
create table slipway.releases (
  id          bigint generated always as identity primary key,
  environment text not null default 'prod',
  note        text,
  created_at  timestamptz not null default now()
);

create table slipway.release_endpoints (
  release_id bigint not null references slipway.releases (id),
  version_id bigint not null references slipway.endpoint_versions (id),
  primary key (release_id, version_id)
);

-- Which release is live: the newest activation of an environment. Deploys and rollbacks both
-- add one, so the history of what was live when is kept.
create table slipway.activations (
  id           bigint generated always as identity primary key,
  release_id   bigint not null references slipway.releases (id),
  environment  text not null default 'prod',
  kind         text not null check (kind in ('deploy', 'rollback')),
  activated_at timestamptz not null default now()
);
create index activations_environment_id on slipway.activations (environment, id desc);
