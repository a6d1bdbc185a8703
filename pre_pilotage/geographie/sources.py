"""Where the official files come from: geodata/sources.toml, the local folder, the download.

A file is taken from the local folder (geodata/sources/ by default) when present, else downloaded
from its official address when asked (`--telecharger`). Checksums: pinned releases carry theirs in
sources.toml; for files republished in place, the checksum of the local copy is recorded in
`SHA256SUMS` beside it at first use and checked afterwards, so that a silently changed file is
noticed.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import sys
import tomllib
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pre_pilotage import config
from pre_pilotage.geographie.construction import TYPES_FICHIERS, empreinte
from pre_pilotage.geographie.lecture import ErreurGeographie

FICHIER_SOURCES = config.RACINE / "geodata" / "sources.toml"
DOSSIER_SOURCES = config.RACINE / "geodata" / "sources"
EMPREINTES = "SHA256SUMS"
DELAI_S = 30


@dataclass(frozen=True)
class Source:
    type_fichier: str
    fichier: str
    url: str
    sha256: str
    membre: str
    description: str
    obligatoire: bool
    autres_noms: tuple[str, ...] = ()


def lire_sources(chemin: Path = FICHIER_SOURCES) -> dict[str, Source]:
    """The file types of sources.toml, checked."""
    try:
        donnees = tomllib.loads(Path(chemin).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ErreurGeographie(f"Fichier des sources introuvable : {chemin}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ErreurGeographie(f"{Path(chemin).name} : fichier TOML mal formé ({exc})") from exc
    sources = {}
    for type_fichier, table in donnees.items():
        if type_fichier not in TYPES_FICHIERS:
            raise ErreurGeographie(
                f"{Path(chemin).name} : type de fichier inconnu « {type_fichier} » "
                f"(types possibles : {', '.join(TYPES_FICHIERS)})"
            )
        if not isinstance(table, dict) or not table.get("fichier"):
            raise ErreurGeographie(f"{Path(chemin).name} : [{type_fichier}] sans « fichier »")
        sources[type_fichier] = Source(
            type_fichier=type_fichier,
            fichier=table["fichier"],
            url=table.get("url", ""),
            sha256=table.get("sha256", "").lower(),
            membre=table.get("membre", ""),
            description=table.get("description", TYPES_FICHIERS[type_fichier]),
            obligatoire=bool(table.get("obligatoire", False)),
            autres_noms=tuple(table.get("autres_noms", ())),
        )
    return sources


def _mo(octets: float) -> str:
    return f"{octets / 1e6:.1f}".replace(".", ",") + " Mo"


def barre_de_progression(nom: str) -> Callable[[int, int | None], None]:
    """A French progress display on stderr: `nom [#####-----]  52 % – 4,1 Mo / 7,9 Mo`."""

    def afficher(octets: int, total: int | None) -> None:
        if total:
            part = min(1.0, octets / total)
            pleins = int(part * 30)
            texte = f"\r  {nom} [{'#' * pleins}{'-' * (30 - pleins)}] {part:4.0%}".replace(
                "%", " %"
            )
            texte += f" – {_mo(octets)} / {_mo(total)}"
        else:
            texte = f"\r  {nom} : {_mo(octets)} reçus"
        print(texte, end="", file=sys.stderr, flush=True)

    return afficher


def telecharger(
    url: str,
    progression: Callable[[int, int | None], None] | None = None,
    delai: float = DELAI_S,
) -> bytes:
    """The bytes served at `url`, or a French error saying why not (offline, refused, moved)."""
    requete = urllib.request.Request(url, headers={"User-Agent": "pre-pilotage (geographie)"})
    try:
        with urllib.request.urlopen(requete, timeout=delai) as reponse:
            total = reponse.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            morceaux, recus = [], 0
            while bloc := reponse.read(1 << 16):
                morceaux.append(bloc)
                recus += len(bloc)
                if progression:
                    progression(recus, total)
    except urllib.error.HTTPError as exc:
        raise ErreurGeographie(
            f"Téléchargement refusé par {url} (erreur HTTP {exc.code}) : le fichier a peut-être "
            "changé d'adresse ; corrigez geodata/sources.toml ou déposez le fichier à la main."
        ) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raison = getattr(exc, "reason", exc)
        raise ErreurGeographie(
            f"Téléchargement impossible de {url} : la machine semble hors ligne ou le site "
            f"est injoignable ({raison}). Déposez les fichiers officiels dans geodata/sources/ "
            "(adresses dans geodata/sources.toml) puis relancez sans --telecharger."
        ) from exc
    finally:
        if progression:
            print(file=sys.stderr)
    if total is not None and recus != total:
        raise ErreurGeographie(
            f"Téléchargement interrompu de {url} : {recus} octets reçus sur {total}."
        )
    return b"".join(morceaux)


def _empreintes(dossier: Path) -> dict[str, str]:
    chemin = dossier / EMPREINTES
    if not chemin.exists():
        return {}
    lignes = (ligne.split(None, 1) for ligne in chemin.read_text(encoding="utf-8").splitlines())
    return {nom.strip(): somme for somme, nom in (ligne for ligne in lignes if len(ligne) == 2)}


def _enregistrer(dossier: Path, fichier: str, somme: str) -> None:
    empreintes = _empreintes(dossier) | {fichier: somme}
    texte = "".join(f"{s}  {n}\n" for n, s in sorted(empreintes.items()))
    (dossier / EMPREINTES).write_text(texte, encoding="utf-8")


def _verifier(source: Source, chemin: Path, dossier: Path, annonce) -> None:
    somme = empreinte(chemin)
    attendue = source.sha256 if source.sha256 and not source.membre else None
    attendue = attendue or _empreintes(dossier).get(source.fichier)
    if attendue is None:
        _enregistrer(dossier, source.fichier, somme)
        annonce(f"  empreinte SHA-256 de {source.fichier} enregistrée : {somme}")
    elif somme != attendue:
        raise ErreurGeographie(
            f"{source.fichier} : empreinte SHA-256 {somme} différente de celle attendue "
            f"({attendue}) : le fichier a changé ou n'est pas le bon. Supprimez-le pour le "
            "retélécharger, ou mettez à jour geodata/sources.toml / geodata/sources/SHA256SUMS."
        )


def _recuperer(source: Source, destination: Path, progression_pour) -> None:
    contenu = telecharger(source.url, progression_pour(source.fichier))
    somme = hashlib.sha256(contenu).hexdigest()
    if source.sha256 and somme != source.sha256:
        raise ErreurGeographie(
            f"{source.fichier} : le fichier téléchargé ({source.url}) a l'empreinte SHA-256 "
            f"{somme}, pas {source.sha256} attendue : fichier modifié à la source ou corrompu."
        )
    if source.membre:
        try:
            with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
                contenu = archive.read(source.membre)
        except (zipfile.BadZipFile, KeyError) as exc:
            raise ErreurGeographie(
                f"{source.fichier} : « {source.membre} » introuvable dans l'archive de "
                f"{source.url} ({exc})."
            ) from exc
    destination.parent.mkdir(parents=True, exist_ok=True)
    provisoire = destination.with_name(destination.name + ".partiel")
    provisoire.write_bytes(contenu)
    provisoire.replace(destination)


def preparer(
    sources: dict[str, Source],
    dossier: Path = DOSSIER_SOURCES,
    telecharger_absents: bool = False,
    fournis: dict[str, list[Path]] | None = None,
    annonce: Callable[[str], None] = lambda _m: None,
    progression_pour: Callable[[str], Callable[[int, int | None], None] | None] = (
        lambda _nom: None
    ),
) -> dict[str, list[Path]]:
    """Paths of the files to read, by type: given ones, local ones, or downloaded ones."""
    fournis = fournis or {}
    dossier = Path(dossier)
    fichiers: dict[str, list[Path]] = {t: list(c) for t, c in fournis.items()}
    for type_fichier, chemins in fichiers.items():
        for chemin in chemins:
            if not chemin.exists():
                raise ErreurGeographie(
                    f"{chemin.name} : fichier introuvable ({chemin}), donné pour « {type_fichier} »"
                )
    presents = sorted(p for p in dossier.iterdir()) if dossier.is_dir() else []
    utilises = {p.resolve() for chemins in fichiers.values() for p in chemins}
    manquants = []
    for type_fichier, source in sources.items():
        if type_fichier in fichiers:
            continue
        chemin = dossier / source.fichier
        if not chemin.exists():
            trouve = _sous_un_autre_nom(source, presents, utilises)
            if trouve is not None:
                annonce(f"  {source.description} : {trouve.name} (nom officiel reconnu)")
                utilises.add(trouve.resolve())
                fichiers[type_fichier] = [trouve]
                continue
        if not chemin.exists() and telecharger_absents and source.url:
            annonce(f"Téléchargement : {source.description}")
            _recuperer(source, chemin, progression_pour)
        if chemin.exists():
            _verifier(source, chemin, dossier, annonce)
            utilises.add(chemin.resolve())
            fichiers[type_fichier] = [chemin]
        elif source.obligatoire:
            manquants.append(source)
        else:
            ou = f" ; publié à {source.url}" if source.url else ""
            annonce(f"  absent, ignoré : {source.description} ({source.fichier}{ou})")
    for chemin in _non_utilises(presents, utilises):
        annonce(
            f"  non utilisé : {chemin.name} ({_pourquoi_non_utilise(chemin, sources, fichiers)})"
        )
    if manquants:
        details = "; ".join(
            f"{s.fichier} ({s.description}{', ' + s.url if s.url else ''})" for s in manquants
        )
        raise ErreurGeographie(
            f"Fichiers obligatoires absents de {dossier} : {details}. Déposez-les dans ce "
            "dossier (sous leur nom officiel), donnez leur chemin avec --fichier TYPE=CHEMIN, "
            "ou relancez avec --telecharger (make geodata TELECHARGER=oui) si la machine est en "
            "ligne."
        )
    return fichiers


# Files of the folder that are not data: the checksums, downloads in progress, companions.
_COMPAGNONS_SHAPEFILE = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd", ".xml")


def _non_utilises(presents: list[Path], utilises: set) -> list[Path]:
    """Files dropped in the folder that no type uses: said, never ignored silently (issue 13)."""
    tiges = {(p.parent, p.stem.lower()) for p in utilises if p.suffix.lower() == ".shp"}
    resultat = []
    for chemin in presents:
        if chemin.resolve() in utilises or chemin.name.startswith("."):
            continue
        if chemin.name in ("SHA256SUMS",) or chemin.name.endswith(".partiel"):
            continue
        resolu = chemin.resolve()
        if (
            resolu.suffix.lower() in _COMPAGNONS_SHAPEFILE
            and (resolu.parent, resolu.stem.lower()) in tiges
        ):
            continue
        resultat.append(chemin)
    return resultat


def _pourquoi_non_utilise(
    chemin: Path, sources: dict[str, Source], fichiers: dict[str, list[Path]]
) -> str:
    for type_fichier, source in sources.items():
        motifs = (source.fichier, *source.autres_noms)
        if any(fnmatch.fnmatch(chemin.name.lower(), m.lower()) for m in motifs):
            lus = ", ".join(p.name for p in fichiers.get(type_fichier, []))
            deja = f" ; c'est {lus} qui est lu" if lus else ""
            return (
                f"un seul fichier de type « {type_fichier} » est pris dans le dossier{deja} ; "
                f"pour lire celui-ci, donnez-le avec --fichier {type_fichier}=CHEMIN"
            )
    return (
        "nom non reconnu ; s'il s'agit d'un fichier officiel, donnez-le avec --fichier "
        f"TYPE=CHEMIN (types : {', '.join(sources)})"
    )


def _sous_un_autre_nom(source: Source, presents: list[Path], utilises: set) -> Path | None:
    """A file of the folder named as the publisher names it (`autres_noms`), not yet used."""
    for motif in source.autres_noms:
        for chemin in presents:
            if chemin.resolve() in utilises or chemin.name.endswith(".partiel"):
                continue
            if fnmatch.fnmatch(chemin.name.lower(), motif.lower()):
                return chemin
    return None
