-- Demo data created on the first start of an empty embedded database (SLIPWAY_DEMO_DATA=false
-- turns it off). The examples people try first: projects, teams, their members, activity.
create schema if not exists app;

create table app.projects (
  id          uuid primary key default gen_random_uuid(),
  org_id      uuid not null,
  name        text not null,
  description text,
  status      text not null check (status in ('active', 'archived')),
  created_at  timestamptz not null default now()
);
create index projects_status_created_at on app.projects (status, created_at);

create table app.teams (
  id         uuid primary key default gen_random_uuid(),
  project_id uuid references app.projects (id) on delete cascade,
  name       text not null,
  created_at timestamptz not null default now()
);

create table app.team_members (
  id        uuid primary key default gen_random_uuid(),
  team_id   uuid not null references app.teams (id) on delete cascade,
  name      text not null,
  email     text not null,
  role      text not null check (role in ('owner', 'admin', 'member', 'viewer')),
  joined_at timestamptz not null default now(),
  unique (team_id, email)
);

create table app.activity (
  id         bigint generated always as identity primary key,
  team_id    uuid references app.teams (id) on delete cascade,
  actor      text not null,
  action     text not null,
  detail     jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index activity_team_created on app.activity (team_id, created_at desc);

insert into app.projects (id, org_id, name, description, status, created_at)
select ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
       '11111111-1111-4111-8111-111111111111',
       'Project ' || i,
       case when i % 3 = 0 then null else 'Sample project number ' || i end,
       case when i % 4 = 0 then 'archived' else 'active' end,
       now() - make_interval(hours => i)
from generate_series(1, 50) as i;

insert into app.teams (id, project_id, name)
select ('00000000-0000-4000-9000-' || lpad(to_hex(i), 12, '0'))::uuid,
       ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
       (array['Platform', 'Mobile', 'Data', 'Design', 'Growth'])[i]
from generate_series(1, 5) as i;

insert into app.team_members (team_id, name, email, role)
select ('00000000-0000-4000-9000-' || lpad(to_hex(1 + (i % 5)), 12, '0'))::uuid,
       'Member ' || i,
       'member' || i || '@example.com',
       (array['owner', 'admin', 'member', 'member', 'viewer'])[1 + (i % 5)]
from generate_series(1, 25) as i;

insert into app.activity (team_id, actor, action, detail, created_at)
select ('00000000-0000-4000-9000-' || lpad(to_hex(1 + (i % 5)), 12, '0'))::uuid,
       'member' || (1 + i % 25) || '@example.com',
       (array['created', 'updated', 'commented', 'closed'])[1 + (i % 4)],
       jsonb_build_object('item', i),
       now() - make_interval(mins => i * 7)
from generate_series(1, 100) as i;

-- The demo belongs to the default org: Slipway grants schema app to that org's database login
-- (Database.createDemo), as create-endpoint grants the tables it makes to their org's login.
