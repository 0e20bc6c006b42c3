-- Realtime (issue 23), after a review of V21: a topic is dot-separated parts, none empty (so that
-- 'tenant.' made for a caller or a row without a tenant is refused, not shared by all of them); a
-- table trigger publishes a row on its tenant's topic only when the row's tenant value can be a
-- topic's part as it is (no rewriting that could make two tenants one), and, when the writer is
-- no org's login (an operator, a restore), only when the org it names may read the table.
create or replace function slipway.publish(org bigint, message_topic text, message_event text,
                                           message jsonb)
returns bigint
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
  data jsonb := coalesce(message, 'null'::jsonb);
  message_id bigint;
  note text;
begin
  if message_topic is null or length(message_topic) > 200
     or message_topic !~ '^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$' then
    raise exception 'emit: "%" is not a topic (parts of letters, digits, _ : - joined by dots, none empty; at most 200)',
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

create or replace function slipway_runtime.publish_change()
returns trigger
language plpgsql security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  org bigint;
  login text;
  writer bigint;
  changed jsonb;
  topic text;
  tenant text;
begin
  if tg_nargs not in (2, 3) then
    raise exception 'publish_change: the arguments are the org (id or login), the topic, a column'
      using errcode = '22023';
  end if;
  if tg_argv[0] ~ '^[0-9]{1,18}$' then
    select l.org_id, l.role_name into org, login from slipway.org_logins l
      where l.org_id = tg_argv[0]::bigint;
  else
    select l.org_id, l.role_name into org, login from slipway.org_logins l
      where l.role_name = tg_argv[0];
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
  if writer is null and not has_table_privilege(login, tg_relid, 'select') then
    -- written by no org (an operator, a restore): published only for an org that may read it
    return null;
  end if;
  changed := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  topic := tg_argv[1];
  if tg_nargs = 3 then
    tenant := changed ->> tg_argv[2];
    if tenant is null or tenant !~ '^[A-Za-z0-9_:-]{1,100}$' then
      return null; -- no tenant, or one no topic can name: published to nobody
    end if;
    topic := topic || '.' || tenant;
  end if;
  perform slipway.publish(org, topic, lower(tg_op),
    jsonb_build_object('op', lower(tg_op), 'table', tg_table_schema || '.' || tg_table_name,
                       'row', changed));
  return null;
end $$;
revoke all on function slipway_runtime.publish_change() from public;
