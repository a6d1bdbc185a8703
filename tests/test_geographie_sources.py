"""Where the geography files come from: sources.toml, checksums, download, offline, the command."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import io
import re
import socket
import threading
import zipfile
from pathlib import Path

import duckdb
import pytest

from pre_pilotage.__main__ import main
from pre_pilotage.geographie import TYPES_FICHIERS, ErreurGeographie, sources
from tests.test_geographie import VALENCIENNES, fichiers_valenciennes, reel


@contextlib.contextmanager
def serveur_http(dossier: Path):
    """A local HTTP server of `dossier` (the tests never reach the internet)."""
    gestionnaire = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(dossier))
    gestionnaire.log_message = lambda *args: None
    serveur = http.server.ThreadingHTTPServer(("127.0.0.1", 0), gestionnaire)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    try:
        yield f"http://127.0.0.1:{serveur.server_address[1]}"
    finally:
        serveur.shutdown()
        serveur.server_close()


def port_ferme() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_le_fichier_des_sources_officielles():
    lues = sources.lire_sources()
    assert set(lues) == set(TYPES_FICHIERS)
    assert [t for t, s in lues.items() if s.obligatoire] == ["communes", "epci"]
    for source in lues.values():
        assert source.url == "" or source.url.startswith("https://"), source
        assert source.sha256 == "" or re.fullmatch(r"[0-9a-f]{64}", source.sha256), source
    # Pinned releases carry the checksum of the real files of ../shared/data.
    for type_fichier, chemin in (
        ("communes", "decoupage_administratif_2026/communes.json"),
        ("epci", "decoupage_administratif_2026/epci.json"),
        ("cites", "cites_educatives/citeduc_geom.geojson"),
    ):
        attendu = hashlib.sha256(reel(chemin).read_bytes()).hexdigest()
        assert lues[type_fichier].sha256 == attendu, type_fichier
    assert lues["qpv_contours"].membre.endswith(".geojson")


def test_sources_toml_invalide(tmp_path):
    chemin = tmp_path / "sources.toml"
    chemin.write_text("[inconnu]\nfichier = 'x'\n")
    with pytest.raises(ErreurGeographie, match="type de fichier inconnu « inconnu »"):
        sources.lire_sources(chemin)
    chemin.write_text("[communes\n")
    with pytest.raises(ErreurGeographie, match="fichier TOML mal formé"):
        sources.lire_sources(chemin)


def _source(**champs) -> sources.Source:
    valeurs = {
        "type_fichier": "communes",
        "fichier": "communes.json",
        "url": "",
        "sha256": "",
        "membre": "",
        "description": "Communes",
        "obligatoire": True,
    }
    return sources.Source(**(valeurs | champs))


def test_telechargement_avec_progression_empreinte_et_archive(tmp_path):
    publies = tmp_path / "publies"
    publies.mkdir()
    communes = reel("decoupage_administratif_2026/communes.json").read_bytes()
    (publies / "communes.json").write_bytes(communes)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("GEOJSON/qpv.geojson", '{"type": "FeatureCollection", "features": []}')
    (publies / "qpv.zip").write_bytes(archive.getvalue())
    dossier = tmp_path / "sources"
    etapes: list[tuple[int, int | None]] = []
    with serveur_http(publies) as url:
        lues = {
            "communes": _source(
                url=f"{url}/communes.json", sha256=hashlib.sha256(communes).hexdigest()
            ),
            "qpv_contours": _source(
                type_fichier="qpv_contours",
                fichier="qpv.geojson",
                url=f"{url}/qpv.zip",
                membre="GEOJSON/qpv.geojson",
                obligatoire=False,
            ),
        }
        fichiers = sources.preparer(
            lues,
            dossier,
            telecharger_absents=True,
            progression_pour=lambda _nom: lambda octets, total: etapes.append((octets, total)),
        )
    assert fichiers == {
        "communes": [dossier / "communes.json"],
        "qpv_contours": [dossier / "qpv.geojson"],
    }
    assert (dossier / "communes.json").read_bytes() == communes
    assert etapes[-2] == (len(communes), len(communes))
    # The extracted member's checksum is recorded, then checked at the next use.
    empreintes = (dossier / "SHA256SUMS").read_text()
    assert re.fullmatch(r"[0-9a-f]{64}  qpv\.geojson\n", empreintes)
    (dossier / "qpv.geojson").write_text('{"type": "FeatureCollection", "features": [1]}')
    with pytest.raises(ErreurGeographie, match="qpv.geojson : empreinte SHA-256 .* différente"):
        sources.preparer(lues, dossier)


def test_empreinte_differente_au_telechargement(tmp_path):
    publies = tmp_path / "publies"
    publies.mkdir()
    (publies / "communes.json").write_text("[]")
    with serveur_http(publies) as url:
        lues = {"communes": _source(url=f"{url}/communes.json", sha256="0" * 64)}
        with pytest.raises(ErreurGeographie, match="fichier modifié à la source ou corrompu"):
            sources.preparer(lues, tmp_path / "sources", telecharger_absents=True)
    assert not (tmp_path / "sources" / "communes.json").exists()


def test_hors_ligne_message_clair(tmp_path):
    lues = {"communes": _source(url=f"http://127.0.0.1:{port_ferme()}/communes.json")}
    with pytest.raises(ErreurGeographie) as erreur:
        sources.preparer(lues, tmp_path, telecharger_absents=True)
    message = str(erreur.value)
    assert "la machine semble hors ligne ou le site est injoignable" in message
    assert "geodata/sources/" in message


def test_fichier_obligatoire_absent_sans_telechargement(tmp_path):
    with pytest.raises(ErreurGeographie, match="Fichiers obligatoires absents .* communes.json"):
        sources.preparer({"communes": _source(url="https://exemple.invalid/c.json")}, tmp_path)


def test_commande_geographie(tmp_path, capsys):
    base = tmp_path / "base.duckdb"
    options = [
        f"--fichier={t}={c}" for t, chemins in fichiers_valenciennes().items() for c in chemins
    ]
    code = main(
        ["geographie", "--epci", VALENCIENNES, "--base", str(base), "--dossier", str(tmp_path)]
        + options
    )
    sortie = capsys.readouterr()
    assert code == 0, sortie.err
    assert "[1/6] Communes et populations" in sortie.out
    assert "35 communes, dont 35 avec contour" in sortie.out
    assert "15 QPV (géographie 2024), dont 0 avec contour" in sortie.out
    assert f"Géographie enregistrée dans {base}" in sortie.out
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute("select count(*) from commune").fetchone() == (35,)


def test_commande_geographie_erreur(tmp_path, capsys):
    mauvais = tmp_path / "communes.json"
    mauvais.write_text('[{"code": "59606", "nom": "Valenciennes"')
    code = main(
        [
            "geographie",
            "--communes",
            "59606",
            "--base",
            str(tmp_path / "base.duckdb"),
            "--dossier",
            str(tmp_path / "vide"),
            f"--fichier=communes={mauvais}",
            f"--fichier=epci={reel('decoupage_administratif_2026/epci.json')}",
        ]
    )
    erreurs = capsys.readouterr().err
    assert code == 1
    assert "Erreur : communes.json : fichier JSON tronqué" in erreurs
    assert "La base n'a pas été modifiée." in erreurs
    assert not (tmp_path / "base.duckdb").exists()


def test_fichiers_officiels_deposes_sous_leur_nom(tmp_path):
    """Offline, files dropped in geodata/sources/ under the publishers' own names are used."""
    dossier = tmp_path / "sources"
    dossier.mkdir()
    for nom in ("communes.json", "epci.json"):  # pinned checksums: the real files
        (dossier / nom).symlink_to(reel(f"decoupage_administratif_2026/{nom}"))
    for nom in (
        "QP2024_France_Hexagonale_Outre_Mer_Lambert93.zip",
        "fr-en-etablissements-ep-2023.csv",
        "notes.txt",
    ):
        (dossier / nom).write_text("{}", encoding="utf-8")
    annonces = []
    fichiers = sources.preparer(sources.lire_sources(), dossier, annonce=annonces.append)
    assert {t: [p.name for p in c] for t, c in fichiers.items()} == {
        "communes": ["communes.json"],
        "epci": ["epci.json"],
        "qpv_contours": ["QP2024_France_Hexagonale_Outre_Mer_Lambert93.zip"],
        "reseaux_ep": ["fr-en-etablissements-ep-2023.csv"],
    }
    assert any("absent, ignoré" in a and "data.education.gouv.fr" in a for a in annonces)
    # Nothing dropped in the folder is ignored silently (issue 13).
    assert [a for a in annonces if "non utilisé" in a] == [
        "  non utilisé : notes.txt (nom non reconnu ; s'il s'agit d'un fichier officiel, "
        "donnez-le avec --fichier TYPE=CHEMIN (types : communes, epci, contours_communes, "
        "contours_epci, qpv_liste, qpv_contours, etablissements, reseaux_ep, cites, "
        "qpv_population, cites_qpv))"
    ]


def test_deux_fichiers_du_meme_type_dans_le_dossier(tmp_path):
    """Two QPV contour files dropped side by side: the one not read is named, with the fix."""
    dossier = tmp_path / "sources"
    dossier.mkdir()
    for nom in ("communes.json", "epci.json"):
        (dossier / nom).symlink_to(reel(f"decoupage_administratif_2026/{nom}"))
    (dossier / "qpv2024_simplified.geojson").symlink_to(
        reel("qpv2024_contours_simplifie/qpv2024_simplified.geojson")
    )
    shp = dossier / "QP2024_France_Hexagonale_Outre_Mer_Lambert93"
    for extension in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        shp.with_suffix(extension).write_bytes(b"")
    annonces = []
    fichiers = sources.preparer(sources.lire_sources(), dossier, annonce=annonces.append)
    assert fichiers["qpv_contours"] == [shp.with_suffix(".shp")]
    assert [a for a in annonces if "non utilisé" in a] == [
        "  non utilisé : qpv2024_simplified.geojson (un seul fichier de type « qpv_contours » "
        "est pris dans le dossier ; c'est QP2024_France_Hexagonale_Outre_Mer_Lambert93.shp qui "
        "est lu ; pour lire celui-ci, donnez-le avec --fichier qpv_contours=CHEMIN)"
    ]


def test_fichier_donne_introuvable(tmp_path):
    with pytest.raises(ErreurGeographie) as erreur:
        sources.preparer(
            sources.lire_sources(),
            tmp_path,
            fournis={"qpv_contours": [tmp_path / "QP.zip"]},
        )
    assert str(erreur.value) == (
        f"QP.zip : fichier introuvable ({tmp_path / 'QP.zip'}), donné pour « qpv_contours »"
    )
