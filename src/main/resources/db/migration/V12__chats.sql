-- Conversations with the generator (/api/chat): each caller's (a user signed in, or an API key:
-- key_id, 0 for a user), in an org, with their turns, so that a
-- conversation can be resumed. The assistant's turns keep what the generation made (jsonb).
create table slipway.chats (
  id         bigint generated always as identity primary key,
  org_id     bigint not null references slipway.orgs (id) on delete cascade,
  user_id    bigint not null,
  key_id     bigint not null default 0,
  title      text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index chats_user on slipway.chats (org_id, user_id, key_id, updated_at desc);

create table slipway.chat_messages (
  id         bigint generated always as identity primary key,
  chat_id    bigint not null references slipway.chats (id) on delete cascade,
  org_id     bigint not null,
  role       text not null check (role in ('user', 'assistant')),
  content    text not null,
  generation jsonb,
  at         timestamptz not null default now()
);
create index chat_messages_chat on slipway.chat_messages (chat_id, id);

alter table slipway.chats enable row level security;
alter table slipway.chats force row level security;
create policy org_isolation on slipway.chats
  using (slipway.current_org() is null or org_id = slipway.current_org());
alter table slipway.chat_messages enable row level security;
alter table slipway.chat_messages force row level security;
create policy org_isolation on slipway.chat_messages
  using (slipway.current_org() is null or org_id = slipway.current_org());

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, update on slipway.chats, slipway.chat_messages to slipway_platform;
    grant usage on sequence slipway.chats_id_seq, slipway.chat_messages_id_seq to slipway_platform;
  end if;
end $$;
