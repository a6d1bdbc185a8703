"""`python -m pre_pilotage geographie`: build a territory's reference geography (French messages)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pre_pilotage import config
from pre_pilotage.geographie.construction import TYPES_FICHIERS


def declarer(commandes) -> None:
    geo = commandes.add_parser(
        "geographie",
        help="construit la géographie de référence d'un territoire depuis les fichiers officiels",
        description="Construit la géographie de référence (communes, EPCI, quartiers "
        "prioritaires, écoles et collèges, Cités éducatives) d'un EPCI ou d'une liste de "
        "communes, depuis les fichiers officiels du dossier geodata/sources/, ou téléchargés "
        "depuis les adresses de geodata/sources.toml avec --telecharger.",
    )
    territoire = geo.add_mutually_exclusive_group()
    territoire.add_argument("--epci", metavar="SIREN", help="SIREN de l'EPCI (ex. 245901160)")
    territoire.add_argument(
        "--communes",
        metavar="CODES",
        help="codes INSEE des communes, séparés par des virgules (ex. 59606,59014)",
    )
    geo.add_argument("--base", type=Path, default=None, help="fichier DuckDB à compléter")
    geo.add_argument(
        "--dossier", type=Path, default=None, help="dossier des fichiers (geodata/sources/)"
    )
    geo.add_argument(
        "--sources", type=Path, default=None, help="adresses officielles (geodata/sources.toml)"
    )
    geo.add_argument(
        "--telecharger",
        action="store_true",
        help="télécharge les fichiers absents du dossier depuis leur adresse officielle",
    )
    geo.add_argument(
        "--remplacer",
        action="store_true",
        help="confirme le retrait des quartiers, écoles ou Cités déjà dans la base que les "
        "nouveaux fichiers ne décrivent plus",
    )
    geo.add_argument(
        "--fichier",
        action="append",
        default=[],
        metavar="TYPE=CHEMIN",
        help=f"fichier à lire au lieu de celui du dossier (types : {', '.join(TYPES_FICHIERS)})",
    )


def executer(arguments) -> int:
    from pre_pilotage import geographie
    from pre_pilotage.geographie import sources

    if not arguments.epci and not arguments.communes:
        print(
            "Choisissez le territoire : --epci SIREN (ex. --epci 245901160) ou --communes CODES "
            "(ex. --communes 59606,59014). Avec make : make geodata EPCI=245901160.",
            file=sys.stderr,
        )
        return 2
    fournis: dict[str, list[Path]] = {}
    for option in arguments.fichier:
        type_fichier, egal, chemin = option.partition("=")
        if not egal or not chemin:
            print(f"--fichier attend TYPE=CHEMIN (reçu « {option} »).", file=sys.stderr)
            return 2
        fournis.setdefault(type_fichier.strip(), []).append(Path(chemin))
    base = arguments.base or config.chemin_base()
    debut = time.perf_counter()
    try:
        fichiers = sources.preparer(
            sources.lire_sources(arguments.sources or sources.FICHIER_SOURCES),
            arguments.dossier or sources.DOSSIER_SOURCES,
            telecharger_absents=arguments.telecharger,
            fournis=fournis,
            annonce=print,
            progression_pour=sources.barre_de_progression,
        )
        communes = [c for c in arguments.communes.split(",") if c] if arguments.communes else None
        geo = geographie.construire_base(
            base,
            fichiers,
            siren=arguments.epci,
            communes=communes,
            annonce=print,
            remplacer=arguments.remplacer,
        )
    except geographie.ErreurGeographie as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        print("La base n'a pas été modifiée.", file=sys.stderr)
        return 1
    for ligne in geographie.resume(geo):
        print(ligne)
    secondes = f"{time.perf_counter() - debut:.1f}".replace(".", ",")
    print(f"Géographie enregistrée dans {base} en {secondes} s")
    return 0
