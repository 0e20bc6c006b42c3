-- What each generation asked of a model: tokens per request, and their cost at the operator's
-- prices (SLIPWAY_AI_INPUT_PRICE, _OUTPUT_PRICE), by org, so that cost control can
-- report and limit them (issue 21 reads them). One row per model request, written in the org's
-- own transaction.
create table slipway.model_usage (
  id            bigint generated always as identity primary key,
  org_id        bigint not null references slipway.orgs (id) on delete cascade,
  at            timestamptz not null default now(),
  request_id    text not null,
  provider      text not null,
  model         text not null,
  input_tokens  bigint not null,
  output_tokens bigint not null,
  cost_usd      numeric(14, 6) not null default 0
);
create index model_usage_org on slipway.model_usage (org_id, at desc);
alter table slipway.model_usage enable row level security;
alter table slipway.model_usage force row level security;
create policy org_isolation on slipway.model_usage
  using (slipway.current_org() is null or org_id = slipway.current_org());

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert on slipway.model_usage to slipway_platform;
    grant usage on sequence slipway.model_usage_id_seq to slipway_platform;
  end if;
end $$;
