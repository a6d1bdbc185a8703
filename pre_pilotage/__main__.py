"""Command line: `python -m pre_pilotage <commande>` (messages in French, for PRE teams)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pre_pilotage import config
from pre_pilotage.db import migrer_fichier


def main(argv: list[str] | None = None) -> int:
    analyseur = argparse.ArgumentParser(
        prog="python -m pre_pilotage", description="Outils du tableau de bord PRE."
    )
    commandes = analyseur.add_subparsers(dest="commande", required=True)
    demo = commandes.add_parser("demo", help="construit la base de démonstration (fictive)")
    demo.add_argument("--sortie", type=Path, default=None, help="fichier DuckDB à écrire")
    demo.add_argument("--programmes", type=int, default=1, help="nombre de PRE fictifs")
    demo.add_argument(
        "--beneficiaires-par-an",
        type=int,
        default=None,
        help="enfants suivis par an, tous programmes confondus (échelle nationale : 85000)",
    )
    demo.add_argument("--si-absente", action="store_true", help="ne rien faire si la base existe")
    migrer = commandes.add_parser("migrer", help="met à jour le schéma d'une base existante")
    migrer.add_argument("--base", type=Path, default=None)
    arguments = analyseur.parse_args(argv)

    if arguments.commande == "demo":
        from pre_pilotage.demo import generer_base

        sortie = arguments.sortie or config.chemin_base()
        if arguments.si_absente and sortie.exists():
            migrer_fichier(sortie)
            print(f"Base déjà présente : {sortie}")
            return 0
        if arguments.programmes < 1:
            print("--programmes doit valoir au moins 1.", file=sys.stderr)
            return 2
        debut = time.perf_counter()
        generer_base(sortie, arguments.programmes, arguments.beneficiaires_par_an)
        duree = time.perf_counter() - debut
        secondes = f"{duree:.1f}".replace(".", ",")
        print(f"Base de démonstration construite : {sortie} en {secondes} s")
        return 0
    if arguments.commande == "migrer":
        base = arguments.base or config.chemin_base()
        if not base.exists():
            print(f"Base introuvable : {base}", file=sys.stderr)
            return 1
        appliquees = migrer_fichier(base)
        print(f"Migrations appliquées : {appliquees or 'aucune'}")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
