"""Names the operator writes on objects (all under our own `tenantsync.io/` prefix), and how soon a
handler that the API server failed is tried again."""

# kopf's own bookkeeping (handler progress, the last handled spec) lives under a sub-domain of ours:
# kopf leaves every annotation under its storage prefix out of the changes it reacts to, and the
# annotations people set (tenantsync.io/approval, tenantsync.io/sync-requested-at) must stay visible.
KOPF_ANNOTATION_PREFIX = "kopf.tenantsync.io"
FINALIZER = "tenantsync.io/finalizer"
TENANT_LABEL = "tenantsync.io/tenant"
TRIGGER_LABEL = "tenantsync.io/trigger"
SHARD_LABEL = "tenantsync.io/shard"

# kopf tries a failed handler again after 60 s by default. What escapes our handlers is the API server
# failing (the pipeline ends runs on everything else), and a restarted API server is back in seconds:
# waiting a minute after each outage stalls every active run for that minute.
API_FAILURE_RETRY_SECONDS = 5.0

# How kopf stops a daemon (its object deleted or finished, the operator exiting): the stop flag first,
# then, if the daemon has not ended after the grace, cancellation; abandoned after the timeout. A run's
# daemon checks the flag between steps, a Tenant's schedule and audit watch between looks, so most end by
# themselves, their last write answered; a step or look still going after the grace is cancelled. Cancelled
# at once instead, a run's daemon was cut while awaiting its final status write's response (the watch had
# already shown the write), logging "Daemon 'execute' is cancelled. Will escalate." (4 of 1,000 runs in a
# burst). kopf looks again only after the grace, so a deleted object keeps its finalizer that long.
DAEMON_STOP_GRACE_SECONDS = 5.0
DAEMON_STOP_TIMEOUT_SECONDS = 10.0
