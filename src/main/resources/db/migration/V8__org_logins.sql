-- Each org's SQL (endpoints, previews, draft tests, /api/execute, ctx.db) runs as a database login
-- of its own, which OrgLogins creates when the org first needs it: one org's SQL cannot reach what
-- another org's login was granted, and no org's login can reach Slipway's tables. The password is
-- generated; only the platform's own user reads this table (no grant to slipway_platform).
create table slipway.org_logins (
  org_id     bigint primary key references slipway.orgs (id),
  role_name  text not null unique,
  password   text not null,
  created_at timestamptz not null default now()
);
