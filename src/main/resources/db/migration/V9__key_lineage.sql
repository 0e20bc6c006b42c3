-- Which key minted a key: null when a signed-in user made it (created_by says who) and for the
-- bootstrap key. A key made by a key also keeps that key's created_by, so every key a member
-- made, directly or through their keys, is found by created_by when the member is demoted or
-- removed. At sign-in a key acts with no more than its creator's current role and no more than
-- the key that minted it (security/Authenticator).
alter table slipway.api_keys add column created_by_key bigint references slipway.api_keys (id);
create index api_keys_created_by on slipway.api_keys (org_id, created_by) where revoked_at is null;
