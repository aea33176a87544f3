"""The cache of verified API keys: how long a key is trusted, and what it never keeps."""

from __future__ import annotations

from orderflow.services.access import KeyCache, Principal

PRINCIPAL = Principal(1, 2, "sk_AbCdEfGh1234", frozenset({"order:read"}), "2026-07-21")


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_verified_key_is_trusted_until_its_time_is_up() -> None:
    clock = FakeClock()
    cache = KeyCache(1.0, clock=clock)
    cache.put("hash", PRINCIPAL)
    clock.now += 0.999
    assert cache.get("hash") == PRINCIPAL
    clock.now += 0.001
    assert cache.get("hash") is None
    clock.now -= 0.5  # once expired it is gone, not trusted again
    assert cache.get("hash") is None


def test_zero_seconds_keeps_nothing() -> None:
    cache = KeyCache(0.0)
    cache.put("hash", PRINCIPAL)
    assert cache.get("hash") is None


def test_an_unknown_key_is_not_found() -> None:
    assert KeyCache(5.0).get("never-seen") is None


def test_the_cache_stays_within_its_size() -> None:
    cache = KeyCache(60.0, max_keys=3)
    for n in range(10):
        cache.put(f"hash-{n}", PRINCIPAL)
    assert cache.get("hash-9") == PRINCIPAL
    assert sum(cache.get(f"hash-{n}") is not None for n in range(10)) <= 3
