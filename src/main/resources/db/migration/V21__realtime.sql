-- Realtime (issue 23): an `emit` step (or ctx.emit, or any SQL) calls slipway_runtime.emit in the
-- request's transaction. The message is kept here, for a while, so that a subscriber that
-- reconnects with Last-Event-ID gets what it missed, and NOTIFY 'slipway_realtime' tells every
-- instance when the transaction commits (a request that rolls back publishes nothing). A trigger
-- of slipway_runtime.publish_change on an org's table publishes each changed row the same way.
create table slipway.channel_messages (
  id     bigint generated always as identity primary key,
  org_id bigint not null references slipway.orgs (id) on delete cascade,
  topic  text not null,
  event  text,
  data   jsonb not null,
  at     timestamptz not null default now()
);
create index channel_messages_by_topic on slipway.channel_messages (org_id, topic, id);
create index channel_messages_by_time on slipway.channel_messages (at);

alter table slipway.channel_messages enable row level security;
alter table slipway.channel_messages force row level security;
create policy org_isolation on slipway.channel_messages
  using (slipway.current_org() is null or org_id = slipway.current_org());

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, delete on slipway.channel_messages to slipway_platform;
  end if;
end $$;

-- Keeps one message of `org` and tells every instance after the commit. The notification carries
-- the message itself when it fits in NOTIFY's 8000 bytes, else only its id (the instances read it).
create function slipway.publish(org bigint, message_topic text, message_event text, message jsonb)
returns bigint
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  data jsonb := coalesce(message, 'null'::jsonb);
  message_id bigint;
  note text;
begin
  if message_topic is null or message_topic !~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$' then
    raise exception 'emit: "%" is not a topic (letters, digits and . _ : -, at most 200)',
      message_topic using errcode = '22023';
  end if;
  if length(message_event) > 200 or message_event ~ '[\r\n]' then
    raise exception 'emit: an event name is one line of at most 200 characters'
      using errcode = '22023';
  end if;
  if octet_length(data::text) > 65536 then
    raise exception 'emit: the message is % bytes of JSON; at most 65536 are allowed',
      octet_length(data::text) using errcode = '22023';
  end if;
  insert into slipway.channel_messages (org_id, topic, event, data)
    values (org, message_topic, nullif(message_event, ''), data)
    returning id into message_id;
  note := jsonb_build_object('o', org, 'i', message_id, 't', message_topic, 'e',
                             nullif(message_event, ''), 'd', data)::text;
  if octet_length(note) > 7900 then
    note := jsonb_build_object('o', org, 'i', message_id, 't', message_topic)::text;
  end if;
  perform pg_notify('slipway_realtime', note);
  return message_id;
end $$;
revoke all on function slipway.publish(bigint, text, text, jsonb) from public;

-- Publishes `message` on `topic` of the caller's org (the login's, session_user) when the
-- caller's transaction commits; the message's id, which subscribers see as the event's id.
create function slipway_runtime.emit(topic text, message jsonb, event text default null)
returns bigint
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  org bigint;
begin
  select l.org_id into org from slipway.org_logins l where l.role_name = session_user;
  if org is null then
    raise exception 'emit: only an org''s SQL may publish' using errcode = '42501';
  end if;
  return slipway.publish(org, topic, event, message);
end $$;
revoke all on function slipway_runtime.emit(text, jsonb, text) from public;

-- A row trigger that publishes each change of an org's table on a topic:
--   create trigger orders_live after insert or update or delete on app.orders
--     for each row execute function slipway_runtime.publish_change('<org id or login>', 'orders');
-- With a third argument, a column, the topic is '<topic>.<the row's value of it>': each tenant's
-- rows on a topic of their own. The message is {op, table, row} (row: the new row, or the old one
-- of a delete). The trigger names its org; a change made by another org's login publishes nothing,
-- so no org can publish on another's topics.
create function slipway_runtime.publish_change()
returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  org bigint;
  writer bigint;
  changed jsonb;
  topic text;
begin
  if tg_nargs not in (2, 3) then
    raise exception 'publish_change: the arguments are the org (id or login), the topic, a column'
      using errcode = '22023';
  end if;
  if tg_argv[0] ~ '^[0-9]{1,18}$' then
    org := tg_argv[0]::bigint;
  else
    select l.org_id into org from slipway.org_logins l where l.role_name = tg_argv[0];
  end if;
  if org is null then
    raise exception 'publish_change: no org "%"', tg_argv[0] using errcode = '22023';
  end if;
  select l.org_id into writer from slipway.org_logins l where l.role_name = session_user;
  if writer is not null and writer <> org then
    -- another org's write: it publishes nothing on this org's topics (and is not refused: a
    -- trigger one org had put on a table another may write to must not break the other's writes)
    return null;
  end if;
  changed := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  topic := tg_argv[1];
  if tg_nargs = 3 then
    -- a topic per value of a column (a tenant's), as a topic may spell it
    topic := topic || '.' || left(regexp_replace(coalesce(changed ->> tg_argv[2], ''),
                                                 '[^A-Za-z0-9._:-]', '_', 'g'), 100);
  end if;
  perform slipway.publish(org, topic, lower(tg_op),
    jsonb_build_object('op', lower(tg_op), 'table', tg_table_schema || '.' || tg_table_name,
                       'row', changed));
  return null;
end $$;
revoke all on function slipway_runtime.publish_change() from public;

-- What an org's SQL may read of its own topics' recent messages (draft tests of a channel read
-- what the cases before them published, in their own transaction): the latest after an id, at
-- most `most` (1000), oldest first.
create function slipway_runtime.channel_history(message_topic text, after_id bigint, most int)
returns table (id bigint, event text, data jsonb)
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select latest.id, latest.event, latest.data from (
    select m.id, m.event, m.data
    from slipway.channel_messages m
    join slipway.org_logins l on l.org_id = m.org_id and l.role_name = session_user
    where m.topic = message_topic and m.id > after_id
    order by m.id desc
    limit least(greatest(most, 0), 1000)) latest
  order by latest.id
$$;
revoke all on function slipway_runtime.channel_history(text, bigint, int) from public;
