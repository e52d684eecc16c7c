"""Which shard an object belongs to, and the filter and finalizer each shard uses."""

from __future__ import annotations

import kopf

from tenantsync.controllers.sharding import shard_filter, shard_finalizer, shard_labels, shard_of

SHARD = "tenantsync.io/shard"


def test_no_shard_means_every_object_and_the_shared_finalizer() -> None:
    assert shard_filter(None) is None
    assert shard_finalizer(None) == "tenantsync.io/finalizer"


def test_the_unlabelled_shard_takes_objects_without_the_label() -> None:
    assert shard_filter("") == {SHARD: kopf.ABSENT}
    assert shard_of({}) is None
    assert shard_of({SHARD: ""}) is None
    assert shard_finalizer("") == "tenantsync.io/finalizer"


def test_a_named_shard_takes_its_label_and_has_its_own_finalizer() -> None:
    assert shard_filter("blue") == {SHARD: "blue"}
    assert shard_of({SHARD: "blue", "app": "x"}) == "blue"
    assert shard_finalizer("blue") == "tenantsync.io/finalizer-blue"


def test_a_run_copies_only_the_shard_label_of_its_tenant() -> None:
    assert shard_labels({SHARD: "blue", "team": "a"}) == {SHARD: "blue"}
    assert shard_labels(None) == {}
