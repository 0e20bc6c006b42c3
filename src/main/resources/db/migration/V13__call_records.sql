-- Every data-plane call, kept whole (issue 21): who called, from where, sizes, the problem's code,
-- each step's time (JSON text, read back by Slipway, never queried inside) and what the call used;
-- and, where the endpoint asks, its bodies, query string and content type (what a replay needs). The table is
-- partitioned by the hour of the call, so that retention drops whole partitions (ops.CallLog and
-- store.CallStore create them ahead and drop them when they are past SLIPWAY_CALL_LOG_KEEP_DAYS or
-- the size cap) instead of deleting rows. Ids come from a sequence: a partitioned table can have no
-- identity column on PostgreSQL 15.
alter table slipway.calls rename to calls_v10;
alter index slipway.calls_org rename to calls_v10_org;

create sequence slipway.call_ids;
create table slipway.calls (
  id               bigint not null default nextval('slipway.call_ids'),
  org_id           bigint not null,
  at               timestamptz not null,
  request_id       text not null,
  method           text not null,
  path             text not null,
  endpoint         text not null,
  version          int not null,
  release_id       bigint not null,
  status           smallint not null,
  duration_us      bigint not null,
  error            text,
  error_code       text,
  caller           text,
  client           text,
  request_bytes    bigint not null default 0,
  response_bytes   bigint not null default 0,
  script_cpu_us    bigint not null default 0,
  db_us            bigint not null default 0,
  egress_bytes     bigint not null default 0,
  steps            text,
  request_body     text,
  response_body    text,
  bodies_truncated boolean not null default false,
  query            text,
  content_type     text
) partition by range (at);
-- one narrow index for the log's order (ties are broken in the query), one for a request id: each
-- index is work on every call kept
create index calls_org_time on slipway.calls (org_id, at);
create index calls_request on slipway.calls (request_id);
alter table slipway.calls enable row level security;
alter table slipway.calls force row level security;
create policy org_isolation on slipway.calls
  using (slipway.current_org() is null or org_id = slipway.current_org());

-- the calls kept so far move into hourly partitions of their own
do $$
declare
  hour timestamptz;
begin
  for hour in
    select distinct date_trunc('hour', at at time zone 'UTC') at time zone 'UTC' from slipway.calls_v10
  loop
    execute format(
      'create table slipway.%I partition of slipway.calls for values from (%L) to (%L)',
      'calls_' || to_char(hour at time zone 'UTC', 'YYYYMMDDHH24'), hour, hour + interval '1 hour');
  end loop;
end $$;
insert into slipway.calls (org_id, at, request_id, method, path, endpoint, version, release_id,
                           status, duration_us, error)
select org_id, at, request_id, method, path, endpoint, version, release_id, status, duration_us, error
from slipway.calls_v10 order by id;
drop table slipway.calls_v10;

-- Sums of histogram buckets, element by element.
create function slipway.add_counts(a bigint[], b bigint[]) returns bigint[]
  language sql immutable parallel safe as $$
  select coalesce(array_agg(coalesce(a[i], 0) + coalesce(b[i], 0) order by i), '{}')
  from generate_series(1, greatest(coalesce(cardinality(a), 0), coalesce(cardinality(b), 0))) i
$$;
create aggregate slipway.sum_counts(bigint[]) (
  sfunc = slipway.add_counts, stype = bigint[], initcond = '{}', combinefunc = slipway.add_counts,
  parallel = safe
);

-- Rollups kept as calls arrive (ops.CallRollups), so analytics and usage read sums, not calls:
-- per org, endpoint and version, by minute (kept 2 days), by hour and by day (UTC; kept
-- SLIPWAY_ANALYTICS_KEEP_DAYS). `durations` counts calls per duration bucket (ops.Durations).
-- Several instances add to the same rows.
create table slipway.call_rollups (
  org_id         bigint not null,
  grain          text not null check (grain in ('minute', 'hour', 'day')),
  bucket         timestamptz not null,
  endpoint       text not null,
  version        int not null,
  calls          bigint not null,
  status_2xx     bigint not null,
  status_3xx     bigint not null,
  status_4xx     bigint not null,
  status_5xx     bigint not null,
  duration_us    bigint not null,
  max_duration_us bigint not null,
  durations      bigint[] not null,
  bytes_in       bigint not null,
  bytes_out      bigint not null,
  script_cpu_us  bigint not null,
  db_us          bigint not null,
  egress_bytes   bigint not null,
  log_bytes      bigint not null,
  primary key (org_id, grain, bucket, endpoint, version)
);
-- By hour: calls per problem code ('code', name "404 not_found"), per caller ('caller') and per
-- step ('step', with its total and longest time); and by day per caller ('caller_day'), since
-- callers are many: 30 days of an org are then thousands of rows, not a million. Kind first in the
-- key, so one kind's rows are read together.
create table slipway.call_rollup_details (
  org_id    bigint not null,
  bucket    timestamptz not null,
  endpoint  text not null,
  version   int not null,
  kind      text not null check (kind in ('code', 'caller', 'caller_day', 'step')),
  name      text not null,
  calls     bigint not null,
  total_us  bigint not null,
  max_us    bigint not null,
  primary key (org_id, kind, bucket, endpoint, version, name)
);

do $$
declare
  t text;
begin
  foreach t in array array['call_rollups', 'call_rollup_details'] loop
    execute format('alter table slipway.%I enable row level security', t);
    execute format('alter table slipway.%I force row level security', t);
    execute format(
      'create policy org_isolation on slipway.%I using (slipway.current_org() is null or org_id = slipway.current_org())', t);
  end loop;
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select on slipway.calls, slipway.call_rollups, slipway.call_rollup_details to slipway_platform;
  end if;
end $$;
