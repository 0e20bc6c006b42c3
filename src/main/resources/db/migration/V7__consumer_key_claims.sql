-- Claims a consumer key carries besides its sub and roles (a tenant, a plan): endpoint SQL reads them
-- from request.jwt.claims, as it reads a JWT's, so row-level security can scope rows by them.
alter table slipway.consumer_keys add column claims jsonb not null default '{}';
