"""How a sign-in is tried again when the identity platform fails transiently, so that every try reaches it.

MSAL's confidential client keeps a token request's 429 or 5xx answer and gives it back, without asking
the identity platform, to the same request made within the answer's ``Retry-After`` or, without one,
within 5 s (``msal.throttled_http_client``: ``default_throttle_time`` 5 for a confidential client, 60
for a public one; a 400 without Retry-After is kept 60 s). That throttling protects the identity
platform, so it is kept; instead, the wait before each try outlasts the window in which MSAL would
answer from its cache (tests/unit/auth/test_retries.py holds the installed MSAL to these windows). An
answer held longer than a run waits ends the sign-in; the next sync tries again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

TRANSIENT_ATTEMPTS = 4
"""Tries of one sign-in, the first included, while the identity platform fails transiently."""
TRANSIENT_OAUTH_ERRORS = frozenset({"temporarily_unavailable", "server_error"})
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
MSAL_THROTTLE_SECONDS = 5
"""How long MSAL's confidential client keeps a token request's 429/5xx answer without Retry-After."""
MSAL_KEEPS_400_SECONDS = 60
"""How long it keeps a token request's 400 answer without Retry-After (an OAuth error, rarely transient)."""
MAX_RETRY_AFTER_SECONDS = 30
"""Longer waits asked for by the identity platform end the sign-in; the next sync tries again."""


@dataclass(frozen=True)
class Answer:
    """What the identity platform last answered (None fields: no answer came, e.g. a refused connection)."""

    status: int | None = None
    retry_after: str | None = None
    method: str | None = None


def msal_keeps_for(answer: Answer) -> int:
    """Seconds MSAL gives this answer back instead of asking again, as its throttled HTTP client does.

    Only POSTs (the token endpoint) are kept: a 429, a 5xx or any answer with Retry-After for its
    Retry-After when that is a whole number of seconds, else for MSAL_THROTTLE_SECONDS; a 400 without
    Retry-After (an OAuth error) for MSAL_KEEPS_400_SECONDS.
    """
    if answer.method != "POST" or answer.status is None:
        return 0
    if answer.status == 400 and answer.retry_after is None:
        return MSAL_KEEPS_400_SECONDS
    if not (answer.status == 429 or answer.status >= 500 or answer.retry_after is not None):
        return 0
    told = (answer.retry_after or "").strip()
    return min(3600, int(told)) if told.isdigit() else MSAL_THROTTLE_SECONDS


def wait_before_retry(attempt: int, answer: Answer, rng: random.Random | None = None) -> float | None:
    """Seconds to wait before try `attempt + 1`; None when the identity platform asked for longer than
    a run waits (MAX_RETRY_AFTER_SECONDS).

    At least the window in which MSAL answers from its cache, plus up to a second of jitter so Tenants
    that failed together do not try again together; at least the jittered exponential backoff.
    """
    rng = rng or random.Random()
    kept = msal_keeps_for(answer)
    if kept > MAX_RETRY_AFTER_SECONDS:
        return None
    backoff = rng.uniform(0.5, 1.0) * float(2**attempt)
    return max(backoff, kept + rng.uniform(0.1, 1.0)) if kept else backoff


def unavailable_message(host: str, failures: list[str], seconds: float, held_for: int | None) -> str:
    """Why the sign-in stopped trying, for people: how many tries over how long, and what each got (an
    HTTP status, or the exception of a try that got no answer: then the host is named as unreachable).

    `held_for`: the next try could not have reached the identity platform for that long (its Retry-After,
    or MSAL keeping its answer), longer than a sync waits.
    """
    distinct = list(dict.fromkeys(failures))
    tries = f"{len(failures)} {'try' if len(failures) == 1 else 'tries'} over {seconds:.0f} s"
    if len(failures) == 1:
        answered = f"it got {failures[0]}"
    elif len(distinct) == 1:
        answered = f"each got {distinct[0]}"
    else:
        answered = f"they got {', '.join(failures)}"
    if held_for is not None:
        return (
            f"The identity platform at {host} was unavailable: {tries}, {answered}; another try could not"
            f" reach it for {held_for} s (MSAL gives its answer back until then), longer than a"
            f" sync waits ({MAX_RETRY_AFTER_SECONDS} s). The next sync tries again."
        )
    if not any(failure.startswith("HTTP ") for failure in failures):
        return (
            f"Cannot reach the identity platform at {host}: {tries}, {answered}. Check"
            " spec.endpoints.authority, the network path and spec.endpoints.caBundleSecretRef; the next sync"
            " tries again."
        )
    return (
        f"The identity platform at {host} was unavailable: {tries}, {answered}. Check the service health"
        " of Microsoft Entra ID and the network path to it; the next sync tries again."
    )
