-- Egress allow-lists: where an org's scripts may send ctx.fetch requests. Each row is one entry
-- (a host name, a *.wildcard host or a CIDR block; EgressPolicy parses them), in list order. An
-- org without rows may reach any public destination; private and loopback addresses need a CIDR entry.
create table slipway.egress_rules (
  org_id   bigint not null references slipway.orgs (id),
  position int not null check (position >= 0),
  entry    text not null check (length(entry) between 1 and 255),
  primary key (org_id, position)
);
alter table slipway.egress_rules enable row level security;
alter table slipway.egress_rules force row level security;
create policy org_isolation on slipway.egress_rules
  using (slipway.current_org() is null or org_id = slipway.current_org());

do $$
begin
  if exists (select from pg_roles where rolname = 'slipway_platform')
     and pg_has_role(current_user, 'slipway_platform', 'member') then
    grant select, insert, update, delete on slipway.egress_rules to slipway_platform;
  end if;
end $$;
