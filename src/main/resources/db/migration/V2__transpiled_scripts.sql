-- What TypeScript sources transpiled to, so a restart need not load the TypeScript compiler.
create table slipway.transpiled_scripts (
  source_sha256 text primary key,
  javascript    text not null,
  created_at    timestamptz not null default now()
);
