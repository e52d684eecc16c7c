"""A sign-in's retries outlast MSAL's throttling, so each reaches the identity platform: the windows are
checked against the installed MSAL itself, and the wait against the windows."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import msal
import pytest

from tenantsync.auth.retries import (
    MAX_RETRY_AFTER_SECONDS,
    MSAL_THROTTLE_SECONDS,
    Answer,
    msal_keeps_for,
    unavailable_message,
    wait_before_retry,
)

AUTHORITY = "https://login.example.test/contoso.onmicrosoft.com"
TOKEN_URL = f"{AUTHORITY}/oauth2/v2.0/token"


@dataclass
class Reply:
    status_code: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise msal.exceptions.MsalServiceError(
                f"HTTP {self.status_code}", error=None, error_description=None
            )


@dataclass
class IdentityPlatform:
    """MSAL's http_client: the OpenID configuration, then token requests answered with `answer`."""

    answer: Reply
    token_requests: int = 0

    def get(self, url: str, **_: Any) -> Reply:
        config = {"authorization_endpoint": f"{AUTHORITY}/oauth2/v2.0/authorize", "token_endpoint": TOKEN_URL,
                  "issuer": f"{AUTHORITY}/v2.0"}  # fmt: skip
        return Reply(200, json.dumps(config))

    def post(self, url: str, **_: Any) -> Reply:
        assert url == TOKEN_URL
        self.token_requests += 1
        return self.answer

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("status", "retry_after"),
    [(503, None), (500, None), (429, "12"), (503, "Wed, 21 Oct 2026 07:28:00 GMT"), (400, None)],
    ids=["503", "500", "429-retry-after-12", "503-retry-after-date", "400"],
)
def test_msal_answers_a_repeated_token_request_from_its_cache_for_exactly_the_window_we_wait_out(
    monkeypatch: pytest.MonkeyPatch, status: int, retry_after: str | None
) -> None:
    now = [1_000_000.5]
    monkeypatch.setattr(time, "time", lambda: now[0])  # MSAL's cache reads time.time()
    headers = {"Retry-After": retry_after} if retry_after else {}
    platform = IdentityPlatform(Reply(status, json.dumps({"error": "temporarily_unavailable"}), headers))
    app = msal.ConfidentialClientApplication(
        "1f0e2c4a-7a7b-4a57-9a3e-0c9d3c1f2b11",
        client_credential="a secret",
        authority=AUTHORITY,
        instance_discovery=False,
        http_client=platform,
    )
    kept = msal_keeps_for(Answer(status, retry_after, "POST"))
    assert kept > 0

    def ask() -> None:
        try:  # MSAL raises for a 5xx, returns the error for a 4xx
            result = app.acquire_token_for_client(["https://graph.microsoft.com/.default"])
        except msal.exceptions.MsalServiceError:
            return
        assert "access_token" not in result

    ask()
    assert platform.token_requests == 1
    now[0] += kept - 1
    ask()
    assert platform.token_requests == 1, "within the window MSAL gives its kept answer back"
    now[0] += 1
    ask()
    assert platform.token_requests == 2, "once the window is over the request reaches the identity platform"


def test_only_token_requests_that_failed_are_kept() -> None:
    assert msal_keeps_for(Answer(503, None, "GET")) == 0
    assert msal_keeps_for(Answer(200, None, "POST")) == 0
    assert msal_keeps_for(Answer(None, None, None)) == 0, "no answer (a refused connection): nothing kept"
    assert msal_keeps_for(Answer(503, None, "POST")) == MSAL_THROTTLE_SECONDS


@pytest.mark.parametrize(
    "answer",
    [
        Answer(503, None, "POST"),
        Answer(429, "1", "POST"),
        Answer(429, "30", "POST"),
        Answer(502, "soon", "POST"),
    ],
)
def test_every_wait_outlasts_msals_window(answer: Answer) -> None:
    rng = random.Random(7)
    for attempt in (1, 2, 3):
        for _ in range(200):
            wait = wait_before_retry(attempt, answer, rng)
            assert wait is not None and wait > msal_keeps_for(answer)


def test_without_a_kept_answer_the_wait_is_the_jittered_exponential_backoff() -> None:
    rng = random.Random(7)
    waits = [wait_before_retry(3, Answer(), rng) for _ in range(200)]
    assert all(w is not None and 4.0 <= w <= 8.0 for w in waits)


def test_an_answer_held_longer_than_a_sync_waits_ends_the_retries() -> None:
    assert wait_before_retry(1, Answer(429, str(MAX_RETRY_AFTER_SECONDS + 1), "POST")) is None
    assert wait_before_retry(1, Answer(400, None, "POST")) is None


def test_the_message_says_how_many_tries_over_how_long_and_what_they_got() -> None:
    host = "https://login.microsoftonline.com"
    assert unavailable_message(host, ["HTTP 503"] * 4, 17.4, None) == (
        "The identity platform at https://login.microsoftonline.com was unavailable: 4 tries over 17 s, each got"
        " HTTP 503. Check the service health of Microsoft Entra ID and the network path to it; the next sync"
        " tries again."
    )
    assert "they got HTTP 503, ConnectionError" in unavailable_message(
        host, ["HTTP 503", "ConnectionError"], 6, None
    )
    assert unavailable_message(host, ["SSLError"] * 4, 9.6, None) == (
        "Cannot reach the identity platform at https://login.microsoftonline.com: 4 tries over 10 s, each got"
        " SSLError. Check spec.endpoints.authority, the network path and spec.endpoints.caBundleSecretRef; the"
        " next sync tries again."
    )
    assert unavailable_message(host, ["HTTP 429"], 0.2, 120) == (
        "The identity platform at https://login.microsoftonline.com was unavailable: 1 try over 0 s, it got"
        " HTTP 429; another try could not reach it for 120 s (MSAL gives its answer back until then), longer"
        " than a sync waits (30 s). The next sync tries again."
    )
