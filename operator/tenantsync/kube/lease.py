"""A coordination.k8s.io Lease as client-go's leader election uses it: one holder, standbys waiting.

A standby judges the Lease by when *it* last saw the record change (its own clock, so clock skew between
nodes does not matter), and takes it once the record has stood still for the Lease's duration. The holder
renews well within that duration, and is told when it could not, before any standby may take over.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException

logger = logging.getLogger(__name__)

SERVICE_ACCOUNT_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


def own_namespace() -> str | None:
    """Where the operator's pod runs (POD_NAMESPACE from the downward API, or its service account's)."""
    if namespace := os.environ.get("POD_NAMESPACE"):
        return namespace
    try:
        with open(SERVICE_ACCOUNT_NAMESPACE) as file:
            return file.read().strip() or None
    except OSError:
        return None


@dataclass(frozen=True)
class LeaseTiming:
    duration: float = 15.0
    """A standby takes the Lease once its record has not changed for this long."""

    @property
    def retry(self) -> float:
        """How often a standby looks at the Lease and the holder renews it."""
        return self.duration / 7.5

    @property
    def renew_deadline(self) -> float:
        """The holder gives up (exits) when it has not renewed for this long: before a standby may take over."""
        return self.duration * 2 / 3


class LeaseElection:
    def __init__(
        self,
        namespace: str,
        name: str,
        identity: str,
        timing: LeaseTiming,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # The configuration KubeClient.from_environment loaded; a client of its own for the renewal thread.
        self._api = client.CoordinationV1Api(client.ApiClient())
        self._namespace = namespace
        self._name = name
        self._identity = identity
        self._timing = timing
        self._clock = clock
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0

    def acquire(self, stop: threading.Event) -> bool:
        """Block until this replica holds the Lease (True), or `stop` is set (False)."""
        logger.info("waiting to lead: Lease %s/%s as %s", self._namespace, self._name, self._identity)
        while not stop.is_set():
            if self._try_acquire_or_renew():
                logger.info("leading: holding Lease %s/%s", self._namespace, self._name)
                return True
            stop.wait(self._timing.retry)
        return False

    def keep(self, lost: Callable[[], None], stop: threading.Event) -> threading.Thread:
        """Renew the Lease in a thread until `stop`; call `lost` when it could not be renewed in time."""

        def renew() -> None:
            last_renewal = self._clock()
            while not stop.wait(self._timing.retry):
                if self._try_acquire_or_renew():
                    last_renewal = self._clock()
                elif self._clock() - last_renewal > self._timing.renew_deadline:
                    logger.error("lost Lease %s/%s: could not renew it in time", self._namespace, self._name)
                    lost()
                    return

        thread = threading.Thread(target=renew, name="lease-renewal", daemon=True)
        thread.start()
        return thread

    def release(self) -> None:
        """On a clean shutdown: let a standby take over at once instead of after the Lease's duration."""
        try:
            lease = self._api.read_namespaced_lease(self._name, self._namespace)
            if lease.spec is not None and lease.spec.holder_identity == self._identity:
                lease.spec.holder_identity = None
                lease.spec.lease_duration_seconds = 1
                self._api.replace_namespaced_lease(self._name, self._namespace, lease)
        except ApiException as error:
            logger.warning("could not release Lease %s/%s: %s", self._namespace, self._name, error.reason)

    def _try_acquire_or_renew(self) -> bool:
        now = datetime.now(UTC)
        try:
            lease = self._api.read_namespaced_lease(self._name, self._namespace)
        except ApiException as error:
            if error.status != 404:
                logger.warning("could not read Lease %s/%s: %s", self._namespace, self._name, error.reason)
                return False
            return self._create(now)
        spec = lease.spec = lease.spec or client.V1LeaseSpec()
        record = (spec.holder_identity, spec.renew_time, spec.lease_transitions)
        if record != self._observed:
            self._observed, self._observed_at = record, self._clock()
        held_by_other = spec.holder_identity not in (None, self._identity)
        duration = spec.lease_duration_seconds or self._timing.duration
        if held_by_other and self._clock() - self._observed_at < duration:
            return False
        if spec.holder_identity != self._identity:
            spec.acquire_time = now
            spec.lease_transitions = (spec.lease_transitions or 0) + 1
        spec.holder_identity = self._identity
        spec.lease_duration_seconds = round(self._timing.duration)
        spec.renew_time = now
        try:
            # The read's resourceVersion makes this a compare-and-swap: of two standbys, one wins.
            self._api.replace_namespaced_lease(self._name, self._namespace, lease)
        except ApiException as error:
            if error.status != 409:
                logger.warning("could not update Lease %s/%s: %s", self._namespace, self._name, error.reason)
            return False
        return True

    def _create(self, now: datetime) -> bool:
        body = client.V1Lease(
            metadata=client.V1ObjectMeta(name=self._name, namespace=self._namespace),
            spec=client.V1LeaseSpec(
                holder_identity=self._identity,
                lease_duration_seconds=round(self._timing.duration),
                acquire_time=now,
                renew_time=now,
                lease_transitions=0,
            ),
        )
        try:
            self._api.create_namespaced_lease(self._namespace, body)
        except ApiException as error:
            if error.status != 409:
                logger.warning("could not create Lease %s/%s: %s", self._namespace, self._name, error.reason)
            return False
        return True
