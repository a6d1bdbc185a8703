"""The one warm export process: Plotly figures to PNG, SVG or PDF through kaleido and Chromium.

Starting Chromium takes seconds; rendering a figure in an open tab takes a fraction of one. The
browser is started at the first export, then kept, in its own thread with its own event loop, for
every later export of the process (every Streamlit session shares it). Exports wait for each
other (one tab); a browser that crashed or hangs is started again at the next export.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import threading
from pathlib import Path

import plotly.graph_objects as go

CHROMIUM_DEBIAN = "/usr/bin/chromium"
DELAI_DEMARRAGE = 60  # seconds
DELAI_IMAGE = 60


class RenduImpossible(RuntimeError):
    """Raised with a French message when no image can be made (no Chromium, crash, timeout)."""


def chemin_chromium() -> str | None:
    """Debian's Chromium (or PRE_CHROMIUM, or kaleido's own BROWSER_PATH), None when absent."""
    for candidat in (
        os.environ.get("PRE_CHROMIUM"),
        os.environ.get("BROWSER_PATH"),
        CHROMIUM_DEBIAN,
        shutil.which("chromium"),
    ):
        if candidat and Path(candidat).exists():
            return candidat
    return None


class _Moteur:
    """A kaleido browser living in a background thread's event loop."""

    def __init__(self) -> None:
        self._verrou = threading.Lock()
        self._boucle: asyncio.AbstractEventLoop | None = None
        self._kaleido = None
        self.demarrages = 0  # how many browsers were started (the benchmark checks it stays 1)

    def _demarrer(self) -> None:
        import kaleido

        chemin = chemin_chromium()
        if chemin is None:
            raise RenduImpossible(
                "Export d'image impossible : Chromium est introuvable sur le serveur "
                "(installez le paquet Debian « chromium », par exemple avec `make chromium`)."
            )
        boucle = asyncio.new_event_loop()
        threading.Thread(target=boucle.run_forever, name="pre-rendu", daemon=True).start()

        async def ouvrir():
            # No MathJax: it would come from a CDN, and the charts use no formulas.
            moteur = kaleido.Kaleido(path=chemin, n=1, timeout=DELAI_IMAGE, mathjax=False)
            await moteur.open()
            return moteur

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(ouvrir(), boucle).result(
                DELAI_DEMARRAGE
            )
        except Exception as exc:
            boucle.call_soon_threadsafe(boucle.stop)
            raise RenduImpossible(
                f"Export d'image impossible : Chromium n'a pas démarré ({exc})."
            ) from exc
        self._boucle = boucle
        self.demarrages += 1

    def arreter(self) -> None:
        with self._verrou:
            self._arreter()

    def _arreter(self) -> None:
        if self._boucle is None:
            return
        boucle, moteur = self._boucle, self._kaleido
        self._boucle = self._kaleido = None
        try:
            asyncio.run_coroutine_threadsafe(moteur.close(), boucle).result(10)
        except Exception:  # a dead browser cannot be closed more than it is
            pass
        boucle.call_soon_threadsafe(boucle.stop)

    def image(self, figure: dict, options: dict) -> bytes:
        with self._verrou:
            for essai in (1, 2):
                if self._boucle is None:
                    self._demarrer()
                futur = asyncio.run_coroutine_threadsafe(
                    self._kaleido.calc_fig(figure, opts=options), self._boucle
                )
                try:
                    return futur.result(DELAI_IMAGE + 5)
                except Exception as exc:
                    futur.cancel()
                    self._arreter()
                    if essai == 2:
                        raise RenduImpossible(
                            f"Export d'image impossible : le rendu a échoué ({exc})."
                        ) from exc
        raise AssertionError("unreachable")


_MOTEUR = _Moteur()
atexit.register(_MOTEUR.arreter)


def image(fig: go.Figure, format_: str, largeur: int, hauteur: int, echelle: float = 1) -> bytes:
    """The figure as `format_` ("png", "svg" or "pdf") bytes, `largeur` × `hauteur` CSS pixels."""
    if format_ not in ("png", "svg", "pdf"):
        raise ValueError(f"Format d'image inconnu : {format_}")
    options = {"format": format_, "width": largeur, "height": hauteur, "scale": echelle}
    return _MOTEUR.image(fig.to_plotly_json(), options)


def demarrages() -> int:
    """Browsers started by this process so far (1 after any number of exports, normally)."""
    return _MOTEUR.demarrages


def arreter() -> None:
    """Close the browser (tests, benchmark); the next export starts a new one."""
    _MOTEUR.arreter()
