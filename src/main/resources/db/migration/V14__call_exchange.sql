-- What a replay needs of a call whose endpoint keeps its bodies (the spec's log.bodies): the query
-- string and the request's content type. Never a header that may carry a credential.
alter table slipway.calls add column query text, add column content_type text;
