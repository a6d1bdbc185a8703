"""Several masked results at once, with any runner (no Streamlit here).

A runner is `run(nom, **params) -> frame`: `requetes.run` in the app, a function over a test
connection in tests. `requetes.run` also offers `run.plusieurs(demandes)`, which computes the
results it has not cached yet concurrently; other runners are called one query at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

Demandes = dict[str, tuple[str, dict[str, object]]]


def tous(run: Callable[..., pl.DataFrame], demandes: Demandes) -> dict[str, pl.DataFrame]:
    """{cle: (nom, params)} -> {cle: masked frame}, in the order of `demandes`."""
    plusieurs = getattr(run, "plusieurs", None)
    if plusieurs is not None:
        return plusieurs(demandes)
    return {cle: run(nom, **params) for cle, (nom, params) in demandes.items()}
