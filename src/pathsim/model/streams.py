"""Named random streams: one per stochastic activity, all spawned from one seed.

A stream's identity is its name, not the order in which streams are created: the name is
hashed into the ``spawn_key`` of a ``numpy.random.SeedSequence``. Adding an activity, or
changing how much one activity draws, never shifts the numbers another activity sees. This is
what makes comparisons between configurations use common random numbers.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _name_key(name: str) -> tuple[int, ...]:
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def replication_seed_sequence(seed: int, replication: int) -> np.random.SeedSequence:
    """The SeedSequence of one replication: ``SeedSequence(seed, spawn_key=(replication,))``.

    It depends only on the base seed and the replication number, so any replication can be
    re-run alone and gives the same numbers.
    """
    return np.random.SeedSequence(seed, spawn_key=(replication,))


class Streams:
    """The random streams of one replication, created on first use and cached by name."""

    def __init__(self, seed: int, replication: int) -> None:
        self.seed = seed
        self.replication = replication
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        rng = self._streams.get(name)
        if rng is None:
            ss = np.random.SeedSequence(self.seed, spawn_key=(self.replication, *_name_key(name)))
            rng = np.random.Generator(np.random.PCG64(ss))
            self._streams[name] = rng
        return rng

    @property
    def names(self) -> list[str]:
        """Names of the streams used so far."""
        return sorted(self._streams)
