"""Command line: `python -m pre_pilotage <commande>` (messages in French, for PRE teams)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from pathlib import Path

from streamlit import logger as _journal_streamlit

# Outside the app, Streamlit's caches warn in English that they have no runtime (« No runtime
# found, using MemoryCacheStorageManager »), which is expected here: a coordinator reads only
# French on the terminal.
_journal_streamlit.get_logger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)

from pre_pilotage import config  # noqa: E402
from pre_pilotage.db import migrer_fichier  # noqa: E402
from pre_pilotage.francais import effectif  # noqa: E402
from pre_pilotage.geographie import commande as commande_geographie  # noqa: E402
from pre_pilotage.geographie import nationale  # noqa: E402
from pre_pilotage.importation import commande as commande_programme  # noqa: E402


def texte_erreur(e) -> str:
    """One refused cell, or a whole file (no line: a name not recognised, an unreadable
    file), in one French line."""
    lieu = [e.fichier]
    if e.ligne:
        lieu.append(f"ligne {e.ligne}")
    if e.colonne:
        lieu.append(f"colonne {e.colonne}")
    if not e.ligne and not e.colonne and not e.valeur:
        return f"{', '.join(lieu)} : {e.attendu}"
    # An empty cell or a missing column has no value to quote.
    valeur = f"valeur « {e.valeur} », " if e.valeur else ""
    return f"{', '.join(lieu)} : {valeur}attendu : {e.attendu}"


def taire_banniere_highs() -> None:
    """The LP solver of the statistical protection (HiGHS) prints an English banner on the
    terminal at its first use in a process (« Running HiGHS … Copyright … »), before any option
    can silence it: it is absorbed here, once, so that a coordinator reads only French."""
    try:
        import highspy
    except ImportError:
        return
    sys.stdout.flush()
    try:
        sauvegarde = os.dup(1)
    except OSError:  # no file descriptor 1 (embedded use)
        return
    try:
        with open(os.devnull, "w") as nul:
            os.dup2(nul.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(sauvegarde, 1)
        os.close(sauvegarde)


# argparse's own words (help, usage, errors), in French: a coordinator reads them.
ARGPARSE_FR = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "affiche cette aide et s'arrête",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (choix possibles : %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s) : %(value)r",
    "expected one argument": "une valeur attendue",
    "expected at least one argument": "au moins une valeur attendue",
    "expected at most one argument": "une valeur au plus attendue",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue %(parser_name)r (commandes : %(choices)s)"
    ),
}


def main(argv: list[str] | None = None) -> int:
    from pre_pilotage.protection import EchecProtection

    try:
        return _main(argv)
    except EchecProtection as erreur:
        # Every command that changes data protects it in the same transaction: said in
        # French, with nothing written (a trace in English reached a user at an import).
        print(str(erreur), file=sys.stderr)
        return 5


def _main(argv: list[str] | None = None) -> int:
    argparse._ = lambda texte: ARGPARSE_FR.get(texte, texte)
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
    _declarer_import(commandes)
    commande_programme.declarer(commandes)
    commande_geographie.declarer(commandes)
    _declarer_secret(commandes)
    nationale.declarer(commandes)
    arguments = analyseur.parse_args(argv)
    # Every command may recompute the protection (a geography build, a migration too).
    taire_banniere_highs()
    # A developer's note of the per-view protection (an identity with an offset on the data,
    # used as it is), in English: not for the terminal of a coordinator.
    warnings.filterwarnings("ignore", message=r".*declared sum/stock_flow identities")

    if arguments.commande == "demo":
        from pre_pilotage.demo import generer_base

        sortie = arguments.sortie or config.chemin_base()
        if arguments.si_absente and sortie.exists():
            from pre_pilotage.demo import VERSION_GENERATEUR, demo_ancienne

            ancienne = demo_ancienne(sortie)
            if ancienne is None:
                from pre_pilotage.protection import mettre_a_jour_fichier

                migrer_fichier(sortie)
                print(f"Base déjà présente : {sortie}")
                if mettre_a_jour_fichier(sortie):
                    print("Protection statistique de la base recalculée.")
                return 0
            print(
                f"Base de démonstration construite par une version précédente du générateur "
                f"({ancienne}, actuelle : {VERSION_GENERATEUR}), sans import : reconstruite."
            )
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
    if arguments.commande == "formats":
        from pre_pilotage.importation.documentation import documentation_formats

        arguments.sortie.parent.mkdir(parents=True, exist_ok=True)
        arguments.sortie.write_text(documentation_formats(), encoding="utf-8")
        print(f"Formats décrits dans {arguments.sortie}")
        return 0
    if arguments.commande in ("importer", "exemples", "compte"):
        return _executer_import(arguments)
    if arguments.commande == "programme":
        return commande_programme.executer(arguments)
    if arguments.commande == "geographie":
        return commande_geographie.executer(arguments)
    if arguments.commande == "secret":
        return _executer_secret(arguments)
    if arguments.commande == "territoires":
        return nationale.executer(arguments)
    return 1


def _declarer_secret(commandes) -> None:
    secret = commandes.add_parser(
        "secret", help="protection statistique de toute la base : calcul et audit"
    )
    actions = secret.add_subparsers(dest="action", required=True)
    proteger = actions.add_parser("proteger", help="calcule la protection et l'enregistre")
    proteger.add_argument("--base", type=Path, default=None)
    audit = actions.add_parser(
        "audit", help="cherche, par programmation linéaire, tout petit effectif recalculable"
    )
    audit.add_argument("--base", type=Path, default=None)
    audit.add_argument(
        "--echantillon", type=int, default=None, help="nombre de cellules auditées (toutes sinon)"
    )
    audit.add_argument(
        "--budget-entiers",
        type=float,
        default=None,
        help="secondes de programmation en nombres entiers au plus, en tout (300 par défaut ; "
        "l'audit cesse aussi ces vérifications après 10 dépassements de temps de suite) ; "
        "au-delà, l'intervalle de la relaxation linéaire est retenu et compté",
    )
    audit.add_argument(
        "--sortie",
        type=Path,
        default=config.RACINE / "docs/secret-statistique.md",
        help="rapport écrit (Markdown)",
    )


def _executer_secret(arguments) -> int:
    import duckdb

    from pre_pilotage import protection
    from pre_pilotage.protection import audit

    base = arguments.base or config.chemin_base()
    if not base.exists():
        print(f"Base introuvable : {base}", file=sys.stderr)
        return 1
    if arguments.action == "proteger":
        migrer_fichier(base)
        for seuil, bilan in protection.proteger_fichier(base).items():
            print(
                f"Seuil {seuil} : {bilan['vues']} vues, {bilan['cellules']} cellules, "
                f"{bilan['primaires']} « < {seuil} », {bilan['secondaires']} « s », "
                f"{bilan['secondes']:.0f} s".replace(".", ",")
            )
        return 0
    audits = {}
    with duckdb.connect(str(base), read_only=True) as con:
        for seuil in protection.seuils_en_usage():
            message = protection.etat(con, seuil)
            if message:
                print(message, file=sys.stderr)
                return 1
            resultat = audit.auditer(
                con,
                seuil,
                protection.valeurs_min(),
                arguments.echantillon,
                budget_entiers=arguments.budget_entiers or audit.BUDGET_ENTIERS,
            )
            # One section per threshold in use: the lecture role's, then coordination's.
            nom = base.name if seuil == protection.SEUIL_LECTURE else f"{base.name}, coordination"
            audits[nom] = resultat
            print(
                f"Seuil {seuil} : petits effectifs masqués audités : {resultat.auditees} sur "
                f"{resultat.sensibles} ; recalculables à moins de {resultat.valeurs_min} valeurs "
                f"près : {len(resultat.dangereuses)} ; incohérences : {len(resultat.incoherences)}"
                f" ; intervalles étroits non vérifiés en nombres entiers : {resultat.non_conclues}"
            )
    commande = "python -m pre_pilotage secret audit" + (
        f" --echantillon {arguments.echantillon}" if arguments.echantillon else ""
    )
    if arguments.budget_entiers is not None:
        commande += f" --budget-entiers {arguments.budget_entiers:g}"
    audit.ecrire_rapport(audits, commande, arguments.sortie)
    print(f"Rapport écrit : {arguments.sortie}")
    dangereuses = sum(len(a.dangereuses) + len(a.incoherences) for a in audits.values())
    return 1 if dangereuses else 0


def _declarer_import(commandes) -> None:
    importer = commandes.add_parser(
        "importer", help="importe les fichiers du programme pour une année (tout ou rien)"
    )
    importer.add_argument("fichiers", nargs="+", type=Path, help="fichiers CSV ou XLSX")
    importer.add_argument("--programme", required=True, help="identifiant du programme")
    importer.add_argument("--annee", required=True, type=int, help="année importée")
    importer.add_argument("--base", type=Path, default=None)
    importer.add_argument(
        "--remplacer",
        action="store_true",
        help="remplacer les données déjà importées pour ces fichiers et cette année "
        "(sans cette option, l'import affiche ce qui changerait et s'arrête)",
    )
    importer.add_argument(
        "--identifiants",
        choices=("supprimer", "refuser"),
        default="supprimer",
        help="colonnes identifiantes : supprimées (défaut) ou fichier refusé",
    )
    importer.add_argument(
        "--textes-personnels",
        choices=("refuser", "masquer"),
        default="refuser",
        help="donnée personnelle dans un texte libre (intitulé, porteur, nom d'EPS…) : fichier "
        "refusé (défaut) ou texte masqué",
    )
    exemples = commandes.add_parser(
        "exemples", help="écrit des fichiers d'exemple au format d'import depuis une base"
    )
    exemples.add_argument("--sortie", type=Path, required=True, help="dossier à écrire")
    exemples.add_argument("--base", type=Path, default=None)
    exemples.add_argument("--programme", default="pre-90001")
    exemples.add_argument("--annees", default="2021-2025", help="ex. 2025 ou 2021-2025")
    exemples.add_argument("--lignes", type=int, default=None, help="lignes au plus par fichier")
    formats = commandes.add_parser("formats", help="écrit docs/formats/README.md")
    formats.add_argument("--sortie", type=Path, default=config.RACINE / "docs/formats/README.md")
    compte = commandes.add_parser("compte", help="crée ou modifie un compte local")
    compte.add_argument("identifiant")
    compte.add_argument("--nom", default=None, help="nom affiché")
    compte.add_argument(
        "--role", choices=("lecture", "coordination", "administration"), required=True
    )
    compte.add_argument(
        "--departement",
        default=None,
        metavar="CODE",
        help="limite un compte lecture à un département (ex. 59) ; sans : national",
    )
    compte.add_argument(
        "--programme",
        default=None,
        metavar="PRE_ID",
        help="limite un compte lecture à un programme (son identifiant) ; sans : tous",
    )
    compte.add_argument(
        "--mot-de-passe-stdin",
        action="store_true",
        help="lire le mot de passe sur l'entrée standard (sinon il est demandé)",
    )


def _executer_import(arguments) -> int:
    base = getattr(arguments, "base", None) or config.chemin_base()
    if arguments.commande == "exemples":
        from pre_pilotage.importation.exemples import ecrire_exemples

        debut, _, fin = arguments.annees.partition("-")
        annees = list(range(int(debut), int(fin or debut) + 1))
        ecrits = ecrire_exemples(
            base, arguments.sortie, arguments.programme, annees, arguments.lignes
        )
        print(f"{len(ecrits)} fichiers d'exemple écrits dans {arguments.sortie}")
        return 0
    if arguments.commande == "compte":
        import getpass

        from pre_pilotage import comptes

        if arguments.mot_de_passe_stdin:
            mot_de_passe = sys.stdin.readline().rstrip("\n")
        else:
            mot_de_passe = getpass.getpass("Mot de passe : ")
        try:
            comptes.enregistrer_compte(
                arguments.identifiant,
                arguments.nom or arguments.identifiant,
                arguments.role,
                mot_de_passe,
                departement=arguments.departement,
                pre_id=arguments.programme,
            )
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        print(f"Compte « {arguments.identifiant} » enregistré (rôle {arguments.role}).")
        return 0
    from pre_pilotage.importation import (
        BaseOccupee,
        CleAbsente,
        Fichier,
        cle_pseudonymisation,
        importer,
    )

    try:
        cle = cle_pseudonymisation(demo=False)
    except CleAbsente as exc:
        print(str(exc), file=sys.stderr)
        return 2
    fichiers = []
    for chemin in arguments.fichiers:
        if not chemin.exists():
            print(f"Fichier introuvable : {chemin}", file=sys.stderr)
            return 2
        fichiers.append(Fichier(chemin.name, chemin.read_bytes()))

    def afficher(fraction: float, message: str) -> None:
        print(f"[{round(100 * fraction):3d} %] {message}", file=sys.stderr)

    if not base.exists():
        print(
            f"Base introuvable : {base}. Construisez d'abord la géographie (make geodata) et "
            "créez le programme (python -m pre_pilotage programme creer).",
            file=sys.stderr,
        )
        return 2
    try:
        rapport = importer(
            base,
            fichiers,
            arguments.programme,
            arguments.annee,
            cle,
            arguments.identifiants,
            utilisateur="ligne de commande",
            progression=afficher,
            remplacer=arguments.remplacer,
            textes=arguments.textes_personnels,
        )
    except BaseOccupee as exc:
        print(str(exc), file=sys.stderr)
        return 3
    for remarque in rapport.remarques:
        print(f"Remarque : {remarque}")
    if rapport.erreurs:
        print(
            f"Import refusé : {effectif(len(rapport.erreurs), 'erreur')}, rien n'a été écrit.",
            file=sys.stderr,
        )
        for e in rapport.erreurs:
            print(texte_erreur(e), file=sys.stderr)
        return 1
    if rapport.confirmation_requise:
        print(
            f"Import non effectué : il remplacerait des données déjà importées pour "
            f"{arguments.annee}. Ce qui changerait (avant → après) :",
            file=sys.stderr,
        )
        for changement in rapport.changements:
            print(f"  {changement}", file=sys.stderr)
        print(
            "Rien n'a été écrit. Pour remplacer ces données, relancez la commande avec "
            "--remplacer.",
            file=sys.stderr,
        )
        return 4
    total = sum(rapport.lignes.values())
    print(f"Import réussi : {total} lignes écrites ({', '.join(rapport.lignes)}).")
    for changement in rapport.changements:
        print(f"  {changement}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
