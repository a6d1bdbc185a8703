"""Browser sessions against a real server (part of bench/national.py, run by `make bench`).

The server is started as in production (`python -m pre_pilotage.serveur`, which warms up before
listening); Playwright drives Debian's Chromium, one browser with one context per session.

- cold first load: a fresh server for each page, then one browser opening the page's URL;
- memory: the server's resident memory (VmRSS, sampled every 0.2 s) while 10 sessions open
  every page, each on its own programme;
- load: 20 sessions switching pages through the navigation for a minute; page times and errors.

A page time runs from the click on the navigation link (or the `goto`) until the page's title
is shown and Streamlit reports the script as finished (`data-test-script-state`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("PRE_CHROMIUM", "/usr/bin/chromium"))
# As in tests/test_navigateur.py.
ARGUMENTS_CHROMIUM = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SONDES_STREAMLIT = re.compile(r"/[a-z_-]+/_stcore/(health|host-config)$")
DELAI_S = 180
PAGE_CHARGEE = """([chemin, titre]) => {
    if (!window.location.pathname.endsWith('/' + chemin)) return false;
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const h1 = document.querySelector('h1');
    return !!h1 && h1.innerText.includes(titre);
}"""


def pages() -> list[tuple[str, str]]:
    """(url path, page title) of every page of app.py, in navigation order."""
    texte = (RACINE / "app.py").read_text(encoding="utf-8")
    resultat = []
    for fichier, chemin in re.findall(
        r'st\.Page\(\s*"(pages/[a-z_]+\.py)".*?url_path="([a-z_-]+)"', texte, flags=re.S
    ):
        source = (RACINE / fichier).read_text(encoding="utf-8")
        titre = re.search(r'debut_page\(\s*"([^"]+)"', source)
        if titre:
            resultat.append((chemin, titre.group(1)))
    return resultat


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serveur:
    """The app served by `python -m pre_pilotage.serveur`, its memory sampled in a thread."""

    def __init__(self, base: Path, dossier: Path):
        self.base, self.dossier = base, dossier
        self.port = _port_libre()
        self.url = f"http://127.0.0.1:{self.port}"
        self.memoire: list[tuple[float, int]] = []
        self._fin = threading.Event()

    def __enter__(self) -> Serveur:
        env = os.environ | {
            "PRE_BASE": str(self.base),
            "PRE_ADMINISTRATION": str(self.dossier / "administration.sqlite"),
            "STREAMLIT_SERVER_PORT": str(self.port),
            "STREAMLIT_SERVER_HEADLESS": "true",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        }
        self.journal = (self.dossier / f"serveur-{self.port}.log").open("w")
        debut = time.perf_counter()
        self.processus = subprocess.Popen(
            [sys.executable, "-m", "pre_pilotage.serveur"],
            cwd=RACINE,
            env=env,
            stdout=self.journal,
            stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._echantillonner, daemon=True).start()
        limite = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reponse:
                    if reponse.read() == b"ok":
                        break
            except OSError:
                pass
            if self.processus.poll() is not None or time.monotonic() > limite:
                self.processus.kill()
                self.journal.close()
                journal = (self.dossier / f"serveur-{self.port}.log").read_text()
                raise RuntimeError(f"Le serveur Streamlit n'a pas démarré :\n{journal[-2000:]}")
            time.sleep(0.2)
        self.demarrage_s = time.perf_counter() - debut
        return self

    def __exit__(self, *_exc) -> None:
        self._fin.set()
        self.processus.terminate()
        self.processus.wait(timeout=30)
        self.journal.close()

    def _echantillonner(self) -> None:
        statut = Path(f"/proc/{self.processus.pid}/status")
        while not self._fin.is_set():
            with contextlib.suppress(OSError, StopIteration, ValueError):
                ligne = next(
                    ligne for ligne in statut.read_text().splitlines() if ligne.startswith("VmRSS")
                )
                self.memoire.append((time.monotonic(), int(ligne.split()[1]) * 1024))
            time.sleep(0.2)

    def pic_mio(self, depuis: float = 0.0) -> float:
        valeurs = [octets for instant, octets in self.memoire if instant >= depuis]
        return max(valeurs, default=0) / 1_048_576

    def cpu_s(self) -> float:
        """CPU time (user + system) the server process has used so far."""
        champs = Path(f"/proc/{self.processus.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(champs[11]) + int(champs[12])) / os.sysconf("SC_CLK_TCK")

    def actuelle_mio(self) -> float:
        return (self.memoire[-1][1] if self.memoire else 0) / 1_048_576


class Session:
    """One browser context: its page, its errors, its page times."""

    def __init__(self, contexte, page):
        self.contexte, self.page = contexte, page
        self.erreurs: list[str] = []
        self.durees: list[float] = []  # page switches through the navigation
        self.premiers: list[float] = []  # first load of the app (`goto`)

    @classmethod
    async def ouvrir(cls, navigateur) -> Session:
        contexte = await navigateur.new_context(
            viewport={"width": 1440, "height": 1000}, locale="fr-FR"
        )
        page = await contexte.new_page()
        session = cls(contexte, page)

        def console(message) -> None:
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                session.erreurs.append(f"console : {message.text[:120]}")

        def reponse(r) -> None:
            if r.status >= 400 and not SONDES_STREAMLIT.search(r.url):
                session.erreurs.append(f"{r.status} {r.url}")

        page.on("console", console)
        page.on("response", reponse)
        page.on("pageerror", lambda e: session.erreurs.append(f"page : {str(e)[:120]}"))
        return session

    async def _attendre(
        self, chemin: str, titre: str, debut: float, durees: list[float] | None = None
    ) -> None:
        try:
            await self.page.wait_for_function(
                PAGE_CHARGEE, arg=[chemin, titre], timeout=DELAI_S * 1000
            )
        except Exception:  # a timeout is an error of the run, not of the benchmark
            self.erreurs.append(f"délai dépassé : {titre}")
            return
        (self.durees if durees is None else durees).append(time.perf_counter() - debut)
        if await self.page.locator('[data-testid="stException"]').count():
            self.erreurs.append(f"exception : {titre}")

    async def aller(self, url: str, chemin: str, titre: str) -> None:
        debut = time.perf_counter()
        try:
            await self.page.goto(url, wait_until="commit", timeout=DELAI_S * 1000)
        except Exception as exc:  # counted as an error of the run
            self.erreurs.append(f"chargement : {str(exc).splitlines()[0][:120]}")
            return
        await self._attendre(chemin, titre, debut, self.premiers)

    async def cliquer(self, chemin: str, titre: str) -> None:
        lien = self.page.locator(f'[data-testid="stSidebarNav"] a[href$="/{chemin}"]')
        debut = time.perf_counter()
        try:
            await lien.first.click(timeout=DELAI_S * 1000)
        except Exception:
            self.erreurs.append(f"lien absent : {chemin}")
            return
        await self._attendre(chemin, titre, debut)

    async def fermer(self) -> None:
        await self.contexte.close()


async def _froid(url: str, chemin: str, titre: str) -> tuple[float | None, list[str]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        navigateur = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS_CHROMIUM)
        session = await Session.ouvrir(navigateur)
        await session.aller(f"{url}/{chemin}", chemin, titre)
        await navigateur.close()
    return (session.premiers[0] if session.premiers else None), session.erreurs


async def _sessions(url: str, programmes: list[str], nombre: int, duree_s: float | None):
    """`nombre` sessions; each opens its programme, then visits every page once (duree_s None)
    or keeps switching pages until `duree_s` has passed."""
    from playwright.async_api import async_playwright

    liste = pages()
    async with async_playwright() as p:
        navigateur = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGUMENTS_CHROMIUM)
        sessions = [await Session.ouvrir(navigateur) for _ in range(nombre)]

        async def parcourir(k: int, session: Session) -> None:
            chemin, titre = liste[0]
            programme = programmes[k % len(programmes)]
            await session.aller(f"{url}/{chemin}?pre={programme}", chemin, titre)
            # Every session switches pages for `duree_s` once the app is loaded in it.
            fin = time.monotonic() + (duree_s or 0)
            rang = 1
            while True:
                if duree_s is None and rang > len(liste):
                    return
                if duree_s is not None and time.monotonic() > fin:
                    return
                chemin, titre = liste[(rang + k) % len(liste)]
                await session.cliquer(chemin, titre)
                rang += 1

        await asyncio.gather(*(parcourir(k, s) for k, s in enumerate(sessions)))
        for session in sessions:
            await session.fermer()
        await navigateur.close()
    return sessions


def _percentile(valeurs: list[float], q: float) -> float:
    if not valeurs:
        return float("nan")
    ordonnees = sorted(valeurs)
    return ordonnees[min(len(ordonnees) - 1, round(q * (len(ordonnees) - 1)))]


def mesurer(base: Path, dossier: Path, duree_s: float = 60.0, froids=None) -> dict:
    """Cold loads, memory with 10 sessions, 20 sessions for `duree_s` seconds."""
    import duckdb

    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium introuvable ({CHROMIUM}) : `make chromium` l'installe.")
    with duckdb.connect(str(base), read_only=True) as con:
        programmes = [
            p for (p,) in con.execute("select pre_id from programme order by 1").fetchall()
        ]
    titres = dict(pages())
    resultats: dict = {"froid_s": {}, "erreurs_froid": []}
    for chemin in froids or ("synthese", "carte", "publics", "budget"):
        with Serveur(base, dossier) as serveur:
            duree, erreurs = asyncio.run(_froid(serveur.url, chemin, titres[chemin]))
            resultats["froid_s"][chemin] = duree if duree is not None else float("nan")
            resultats["erreurs_froid"] += erreurs
            resultats["prechauffage_s"] = serveur.demarrage_s
    with Serveur(base, dossier) as serveur:
        time.sleep(1)
        resultats["memoire_depart_mio"] = serveur.actuelle_mio()
        debut = time.monotonic()
        dix = asyncio.run(_sessions(serveur.url, programmes, 10, None))
        resultats["memoire_10_mio"] = serveur.pic_mio(debut)
        debut, cpu = time.monotonic(), serveur.cpu_s()
        vingt = asyncio.run(_sessions(serveur.url, programmes[10:] or programmes, 20, duree_s))
        resultats["memoire_20_mio"] = serveur.pic_mio(debut)
        # Share of the two cores the server used while 20 sessions ran: the rest went to the
        # browser drawing 20 pages (and to the other jobs of the machine).
        resultats["cpu_serveur_20_s"] = serveur.cpu_s() - cpu
        resultats["duree_reelle_20_s"] = time.monotonic() - debut
    durees = [d for s in vingt for d in s.durees]
    erreurs = resultats["erreurs_froid"] + [e for s in dix + vingt for e in s.erreurs]
    resultats |= {
        "duree_s": duree_s,
        "pages_10": sum(len(s.durees) + len(s.premiers) for s in dix),
        "premier_chargement_20_s": statistics.median(p for s in vingt for p in s.premiers)
        if any(s.premiers for s in vingt)
        else float("nan"),
        "premier_chargement_20_max_s": max(
            (p for s in vingt for p in s.premiers), default=float("nan")
        ),
        "pages_20": len(durees),
        "p50_20_s": statistics.median(durees) if durees else float("nan"),
        "p95_20_s": _percentile(durees, 0.95),
        "max_20_s": max(durees, default=float("nan")),
        "erreurs": len(erreurs),
        "exemples_erreurs": erreurs[:5],
    }
    return resultats


if __name__ == "__main__":
    import json
    import tempfile

    sys.path.insert(0, str(RACINE))
    with tempfile.TemporaryDirectory() as dossier:
        print(
            json.dumps(
                mesurer(
                    Path(sys.argv[1]),
                    Path(dossier),
                    float(sys.argv[2]) if len(sys.argv) > 2 else 60.0,
                    sys.argv[3].split(",") if len(sys.argv) > 3 else None,
                ),
                indent=1,
            )
        )
