-- What an org's SQL may read of its own jobs (issue 23, the background-job template's status
-- endpoint): one job's state, attempts, last status and error, result and times, as JSON; null
-- when the job is not the caller's org's (or gone). The org is the login's (session_user).
create function slipway_runtime.job_status(job_id bigint)
returns jsonb
language sql stable security definer
set search_path = pg_catalog, pg_temp
as $$
  select jsonb_build_object(
           'id', j.id, 'handler', j.handler, 'status', j.status, 'attempts', j.attempts,
           'lastStatus', j.last_status, 'lastError', j.last_error, 'result', j.result,
           'runAt', j.run_at, 'createdAt', j.created_at, 'startedAt', j.started_at,
           'finishedAt', j.finished_at)
  from slipway.jobs j
  join slipway.org_logins l on l.org_id = j.org_id and l.role_name = session_user
  where j.id = job_id
$$;
revoke all on function slipway_runtime.job_status(bigint) from public;
