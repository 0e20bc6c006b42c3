-- Webhooks out (issue 23): a `webhook` step (or ctx.webhook, or any SQL) calls
-- slipway_runtime.send_webhook in the request's transaction, which adds a job for the built-in
-- handler 'webhook:out' to the queue (the outbox: a request that rolls back sends nothing). The
-- job runner posts it after the commit through the org's egress policy, signed as Standard
-- Webhooks sign, and records each attempt here; a failed one is tried again until retryUntil.
create function slipway_runtime.send_webhook(
  target_url text, event_type text, message jsonb, secret_name text,
  retry_ms bigint default 86400000)
returns bigint
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  org bigint;
  job bigint;
  data jsonb := coalesce(message, 'null'::jsonb);
begin
  select l.org_id into org from slipway.org_logins l where l.role_name = session_user;
  if org is null then
    raise exception 'send_webhook: only an org''s SQL may send webhooks' using errcode = '42501';
  end if;
  if target_url is null or target_url !~* '^https?://[^/?#\s]+' or length(target_url) > 2000 then
    raise exception 'send_webhook: "%" is not an http(s) URL of at most 2000 characters', target_url
      using errcode = '22023';
  end if;
  if event_type is null or length(event_type) > 200 then
    raise exception 'send_webhook: the event type must be text of at most 200 characters'
      using errcode = '22023';
  end if;
  if secret_name is null or secret_name !~ '^[A-Za-z_][A-Za-z0-9_]*$' then
    raise exception 'send_webhook: "%" is not a secret''s name', secret_name using errcode = '22023';
  end if;
  if retry_ms is null or retry_ms < 0 or retry_ms > 604800000 then
    raise exception 'send_webhook: retries may go on for 0 to 7 days' using errcode = '22023';
  end if;
  if octet_length(data::text) > 262144 then
    raise exception 'send_webhook: the message is % bytes of JSON; at most 262144 are allowed',
      octet_length(data::text) using errcode = '22023';
  end if;
  insert into slipway.jobs (org_id, handler, payload, max_attempts)
    values (org, 'webhook:out',
            jsonb_build_object('url', target_url, 'event', event_type, 'data', data,
                               'secret', secret_name, 'retryMs', retry_ms,
                               'retryUntil', now() + retry_ms * interval '1 millisecond'),
            100)
    returning id into job;
  perform pg_notify('slipway_jobs', '');
  return job;
end $$;
revoke all on function slipway_runtime.send_webhook(text, text, jsonb, text, bigint) from public;

create table slipway.webhook_attempts (
  id          bigint generated always as identity primary key,
  org_id      bigint not null references slipway.orgs (id) on delete cascade,
  job_id      bigint not null references slipway.jobs (id) on delete cascade,
  attempt     int not null,
  at          timestamptz not null default now(),
  url         text not null,
  status      int,
  duration_ms bigint not null,
  error       text,
  response    text
);
create index webhook_attempts_by_job on slipway.webhook_attempts (job_id, id);

alter table slipway.webhook_attempts enable row level security;
alter table slipway.webhook_attempts force row level security;
create policy org_isolation on slipway.webhook_attempts
  using (slipway.current_org() is null or org_id = slipway.current_org());

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, update, delete on slipway.webhook_attempts to slipway_platform;
  end if;
end $$;
