"""`python -m pre_pilotage programme creer|modifier|afficher`: a programme from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from pre_pilotage import config
from pre_pilotage.importation import BaseOccupee, ouvrir
from pre_pilotage.importation import programme as module

EXEMPLE = (
    'exemple : python -m pre_pilotage programme creer --nom "PRE de Valenciennes Métropole" '
    "--epci 245901160 --annees 2024-2025 --type-porteur EPCI "
    "--equipe 2025:coordination:1 --equipe 2025:referent:0,8"
)


def declarer(commandes) -> None:
    analyseur = commandes.add_parser(
        "programme",
        help="crée, modifie, affiche ou supprime un programme (nom, porteur, communes, années, "
        "équipe)",
        description="Crée, modifie ou affiche un programme de réussite éducative. " + EXEMPLE,
    )
    analyseur.add_argument("action", choices=("creer", "modifier", "afficher", "supprimer"))
    analyseur.add_argument(
        "--identifiant", default=None, help="ex. pre-valenciennes (proposé d'après le nom)"
    )
    analyseur.add_argument("--nom", default=None, help="ex. « PRE de Valenciennes Métropole »")
    analyseur.add_argument(
        "--porteur", default=None, help="structure porteuse, ex. « CCAS de Denain »"
    )
    analyseur.add_argument(
        "--type-porteur", type=module.type_porteur, choices=module.TYPES_PORTEUR, default=None
    )
    analyseur.add_argument(
        "--epci", default=None, help="SIREN de l'EPCI : ses communes présentes dans la base"
    )
    analyseur.add_argument(
        "--communes", default=None, help="codes INSEE séparés par des virgules (ex. 59606,59014)"
    )
    analyseur.add_argument("--annees", default=None, help="ex. 2025, 2024-2025 ou 2023,2025")
    analyseur.add_argument(
        "--equipe",
        action="append",
        default=[],
        metavar="ANNEE:FONCTION:ETP",
        help="une personne de l'équipe (fonction : responsable, coordination, referent), "
        "ex. 2025:referent:0,8 ; option répétée pour chaque personne ; les années données "
        "remplacent l'équipe de ces années",
    )
    analyseur.add_argument(
        "--liste-anct",
        type=Path,
        default=None,
        help="liste ANCT des PRE par commune (CSV) : propose la structure porteuse si elle "
        "n'est pas donnée",
    )
    analyseur.add_argument(
        "--confirmer",
        action="store_true",
        help="supprimer : supprime vraiment (sans cette option, affiche ce qui serait supprimé)",
    )
    analyseur.add_argument("--base", type=Path, default=None)


def executer(arguments) -> int:
    base = arguments.base or config.chemin_base()
    if not base.exists():
        print(
            f"Base introuvable : {base}. Construisez d'abord la géographie du territoire "
            "(make geodata EPCI=… BASE=…).",
            file=sys.stderr,
        )
        return 2
    try:
        return _executer(base, arguments)
    except module.ProgrammeInvalide as exc:
        print("Programme non enregistré :", file=sys.stderr)
        for erreur in exc.erreurs:
            print(f"  - {erreur}", file=sys.stderr)
        return 2
    except BaseOccupee as exc:
        print(str(exc), file=sys.stderr)
        return 3


def _executer(base: Path, arguments) -> int:
    if arguments.action == "afficher":
        if not arguments.identifiant:
            raise module.ProgrammeInvalide(["Indiquez --identifiant du programme à afficher."])
        with ouvrir(base, lecture_seule=True) as con:
            print(module.resume(con, arguments.identifiant))
        return 0
    if arguments.action == "supprimer":
        return _supprimer(base, arguments)
    creation = arguments.action == "creer"
    if creation:
        if not arguments.nom:
            raise module.ProgrammeInvalide(["Indiquez --nom du programme. " + EXEMPLE])
        p = module.Programme(
            arguments.identifiant or module.identifiant_propose(arguments.nom), arguments.nom
        )
    else:
        p = _existant(base, arguments.identifiant, "modifier")
        p.equipe = {}  # only the years given on the command line are replaced
        p.nom = arguments.nom or p.nom
    if arguments.porteur is not None:
        p.porteur = arguments.porteur
    if arguments.type_porteur is not None:
        p.type_porteur = arguments.type_porteur
    if arguments.epci is not None:
        p.siren_epci = arguments.epci
        if arguments.communes is None:
            p.communes = []
    if arguments.communes is not None:
        p.communes = [c for c in arguments.communes.split(",") if c.strip()]
    if arguments.annees is not None:
        p.annees = module.lire_annees(arguments.annees)
    if arguments.equipe:
        p.equipe = module.lire_equipe(arguments.equipe)
    if arguments.liste_anct and not (p.porteur and p.type_porteur):
        with ouvrir(base, lecture_seule=True) as con:
            proposition = module.proposition_anct(con, arguments.liste_anct, p)
        if proposition is None:
            print("Liste ANCT : aucune des communes du programme n'y figure.")
        else:
            p.porteur = p.porteur or proposition[0]
            p.type_porteur = p.type_porteur or proposition[1]
            print(f"Liste ANCT : structure porteuse « {proposition[0]} » ({proposition[1]}).")
    module.enregistrer(base, p, creation=creation)
    with ouvrir(base, lecture_seule=True) as con:
        print(
            ("Programme créé :\n" if creation else "Programme modifié :\n")
            + module.resume(con, p.pre_id)
        )
    print(
        "Étape suivante : importer ses fichiers, python -m pre_pilotage importer "
        f"--programme {p.pre_id} --annee <AAAA> --base {base} <fichiers>."
    )
    return 0


def _existant(base: Path, identifiant: str | None, action: str) -> module.Programme:
    """The stored programme the command is about, or a French refusal."""
    if not identifiant:
        raise module.ProgrammeInvalide([f"Indiquez --identifiant du programme à {action}."])
    with ouvrir(base, lecture_seule=True) as con:
        p = module.lire(con, identifiant)
    if p is None:
        raise module.ProgrammeInvalide(
            [f"Aucun programme d'identifiant « {identifiant} » dans la base."]
        )
    return p


def _supprimer(base: Path, arguments) -> int:
    """Show what deleting a programme removes; delete only with --confirmer."""
    from pre_pilotage.protection import seuils_en_usage

    p = _existant(base, arguments.identifiant, "supprimer")
    with ouvrir(base, lecture_seule=True) as con:
        lignes = module.a_supprimer(con, p.pre_id)
    detail = module.texte_suppression(p.pre_id, lignes, max(seuils_en_usage()))
    if not arguments.confirmer:
        print(
            f"Supprimer le programme « {p.nom} » ({p.pre_id}) retirerait de la base :\n"
            + "\n".join(f"  - {ligne}" for ligne in detail)
            + "\nRien n'a été supprimé. Pour supprimer, relancez avec --confirmer.",
            file=sys.stderr,
        )
        return 2
    module.supprimer(base, p.pre_id)
    print(
        f"Programme « {p.nom} » ({p.pre_id}) supprimé, avec toutes ses données :\n"
        + "\n".join(f"  - {ligne}" for ligne in detail)
    )
    return 0
