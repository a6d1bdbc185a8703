"""A real PRE from its files: geography of Valenciennes Métropole built from ../shared/data with
the geography builder, programme created, the shipped example files of docs/formats/exemples/
imported; validation in French; ANCT list prefill; French place names in generated sentences."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pre_pilotage import config, francais, geographie
from pre_pilotage.__main__ import main
from pre_pilotage.importation import Fichier, importer
from pre_pilotage.importation import programme as module
from tests.test_geographie import VALENCIENNES, fichiers_valenciennes, reel
from tests.test_import import empreinte_base

EXEMPLES = config.RACINE / "docs" / "formats" / "exemples"
CLE = b"cle-de-test-suffisamment-longue"
PRE = "pre-valenciennes"


@pytest.fixture(scope="module")
def geographie_valenciennes(tmp_path_factory) -> Path:
    chemin = tmp_path_factory.mktemp("valenciennes") / "geographie.duckdb"
    geographie.construire_base(chemin, fichiers_valenciennes(), siren=VALENCIENNES)
    return chemin


@pytest.fixture
def base(geographie_valenciennes, tmp_path) -> Path:
    chemin = tmp_path / "pre.duckdb"
    shutil.copy(geographie_valenciennes, chemin)
    return chemin


def creer(base: Path, **changements) -> list[str]:
    description = module.Programme(
        PRE,
        "PRE de Valenciennes Métropole",
        "CA Valenciennes Métropole",
        "EPCI",
        VALENCIENNES,
        annees=[2024, 2025],
        equipe={2025: [("coordination", 1.0), ("referent", 0.8)]},
    )
    for cle, valeur in changements.items():
        setattr(description, cle, valeur)
    return module.enregistrer(base, description, creation=True)


def lignes(base: Path, sql: str, *params) -> list[tuple]:
    with duckdb.connect(str(base), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_programme_depuis_le_siren_de_l_epci(base):
    communes = creer(base)
    assert len(communes) == 35 and communes[:3] == ["59014", "59019", "59027"]
    assert lignes(base, "select * from programme") == [
        (PRE, "PRE de Valenciennes Métropole", "CA Valenciennes Métropole", "EPCI", VALENCIENNES)
    ]
    assert lignes(base, "select count(*) from programme_commune") == [(35,)]
    assert lignes(base, "select annee from programme_annee order by 1") == [(2024,), (2025,)]
    assert lignes(
        base, "select annee, personne_id, fonction, etp::double from equipe order by 2"
    ) == [
        (2025, "pre-valenciennes-2025-01", "coordination", 1),
        (2025, "pre-valenciennes-2025-02", "referent", 0.8),
    ]
    with duckdb.connect(str(base), read_only=True) as con:
        assert module.resume(con, PRE).splitlines()[0] == (
            "PRE de Valenciennes Métropole [pre-valenciennes] — porté par : "
            "CA Valenciennes Métropole (EPCI)"
        )
        assert module.resume(con, PRE).splitlines()[-1] == (
            "Équipe 2025 : Coordination : 1 personne, 1 ETP ; "
            "Référent de parcours : 1 personne, 0,8 ETP"
        )


def test_programme_depuis_une_liste_de_communes_puis_modifie(base):
    assert creer(base, siren_epci=None, communes=["59606", "59014"]) == ["59014", "59606"]
    modifie = module.Programme(
        PRE,
        "PRE de Valenciennes",
        "CCAS de Valenciennes",
        "CCAS",
        None,
        ["59606"],
        [2025],
        {2025: [("coordination", 1.0)]},
    )
    module.enregistrer(base, modifie, creation=False)
    assert lignes(base, "select nom, porteur, type_porteur from programme") == [
        ("PRE de Valenciennes", "CCAS de Valenciennes", "CCAS")
    ]
    assert lignes(base, "select code_insee from programme_commune") == [("59606",)]
    assert lignes(base, "select fonction, etp::double from equipe") == [("coordination", 1)]


def test_erreurs_en_francais_et_base_inchangee(base):
    creer(base)
    avant = empreinte_base(base)
    mauvais = module.Programme(
        "PRE Valenciennes",
        " ",
        type_porteur="association loi 1901",
        siren_epci="245901161",
        communes=["59999", "5960", "bruay sur l'escaut", "Bron"],
        annees=[2003],
        equipe={2025: [("chef", 1.5)]},
    )
    with pytest.raises(module.ProgrammeInvalide) as exc:
        module.enregistrer(base, mauvais, creation=True)
    assert exc.value.erreurs == [
        "Identifiant « PRE Valenciennes » : 3 à 40 caractères, minuscules sans accent, "
        "chiffres et tirets (ex. pre-valenciennes).",
        "Nom du programme : obligatoire (ex. PRE de Valenciennes Métropole).",
        "Type de structure porteuse « association loi 1901 » inconnu ; attendu : CCAS, CIAS, "
        "caisse des écoles, GIP, commune, EPCI, association, autre.",
        "Aucune commune de l'EPCI 245901161 dans la géographie de la base : construisez-la "
        "d'abord (make geodata EPCI=245901161 BASE=…), ou vérifiez le SIREN.",
        # As typed, with the code of the base's commune of that name (issue 13), and an
        # example code from the base.
        "Codes INSEE mal formés (5 caractères, ex. 59014) : « 5960 », « Bron », « bruay sur "
        "l'escaut » (Bruay-sur-l'Escaut a le code 59112).",
        "Communes absentes de la géographie de la base : 59999 (construisez la géographie de "
        "leur territoire avec make geodata, ou vérifiez les codes).",
        "Année 2003 : attendu une année entre 2005 et 2100.",
        "Équipe 2025 : fonction « chef » inconnue ; attendu : responsable, coordination, referent.",
        "Équipe 2025 : ETP 1,5 pour « chef » ; attendu un nombre de 0,01 à 1 par personne "
        "(une ligne par personne).",
    ]
    with pytest.raises(module.ProgrammeInvalide) as exc:
        creer(base)
    assert exc.value.erreurs == [
        "Un programme d'identifiant « pre-valenciennes » existe déjà : choisissez un autre "
        "identifiant, ou modifiez ce programme."
    ]
    assert empreinte_base(base) == avant


def test_liste_anct_propose_la_structure_porteuse(base):
    liste = reel("pre_communes_anct_2024/pre_communes_2024.csv")
    valenciennes = module.porteurs_anct(liste, ["59606", "59172", "59350"])
    assert valenciennes == [
        module.PorteurAnct("59350", "LILLE", "CAISSE DES ECOLES-LILLE", "caisse des écoles"),
        module.PorteurAnct("59172", "DENAIN", "CCAS-DENAIN", "CCAS"),
        module.PorteurAnct(
            "59606", "VALENCIENNES", "COMMUNAUTE D'AGGLOMERATION -VALENCIENNES", "EPCI"
        ),
    ]
    with duckdb.connect(str(base), read_only=True) as con:
        brouillon = module.Programme(PRE, "PRE", siren_epci=VALENCIENNES)
        assert module.proposition_anct(con, liste, brouillon) == (
            "CA Valenciennes Métropole",
            "EPCI",
        )
        # A CCAS is named after the commune of the geography, with the right preposition.
        anzin = b"code_insee,program,portage\r\n59014,ANZIN,CCAS-ANZIN\r\n"
        assert module.proposition_anct(
            con, anzin, module.Programme(PRE, "PRE", communes=["59014"])
        ) == ("CCAS d'Anzin", "CCAS")
        assert (
            module.proposition_anct(con, anzin, module.Programme(PRE, "PRE", communes=["59606"]))
            is None
        )
    with pytest.raises(module.ProgrammeInvalide) as exc:
        module.porteurs_anct(b"commune;porteur\r\n", ["59606"])
    assert exc.value.erreurs == [
        "Liste ANCT des PRE : colonnes attendues de la liste ANCT des PRE par commune : "
        "code_insee, portage, program ; trouvées : commune;porteur."
    ]


def test_types_de_porteur_de_la_liste_anct():
    assert [
        module.type_porteur_anct(libelle)
        for libelle in (
            "CCAS-DENAIN",
            "CAISSE DES ECOLES-LILLE",
            "VILLE -TOURCOING",
            "GIP RE-ROUEN",
            "CIAS-PAYS",
            "REGIE PRE-X",
            "COMMUNAUTE D AGGLOMERATION-Y",
            "ASSOCIATION-Z",
            "COLLÈGE JEAN MOULIN",
        )
    ] == [
        "CCAS",
        "caisse des écoles",
        "commune",
        "GIP",
        "CIAS",
        "commune",
        "EPCI",
        "association",
        "autre",
    ]


def _exemples() -> list[Fichier]:
    return [Fichier(p.name, p.read_bytes()) for p in sorted(EXEMPLES.glob("2025_*.csv"))]


def test_les_exemples_livres_s_importent_sur_la_geographie_reelle(base):
    """Real Valenciennes geography built by the geography builder (not the fixture)."""
    creer(base, equipe={})
    rapport = importer(base, _exemples(), PRE, 2025, CLE)
    assert rapport.erreurs == [] and rapport.ecrit
    assert rapport.lignes == {
        "2025_actions.csv": 12,
        "2025_beneficiaires.csv": 12,
        "2025_eps.csv": 12,
        "2025_equipe.csv": 10,
        "2025_fiches_action.csv": 12,
        "2025_financements.csv": 37,
        "2025_gouvernance.csv": 11,
    }
    assert lignes(
        base,
        "select code_qp, count(*) from beneficiaire where code_qp is not null group by 1 order by 1",
    ) == [
        ("QN05921M", 1),
        ("QN05922M", 1),
        ("QN05926M", 3),
        ("QN05930M", 1),
        ("QN05931M", 1),
        ("QN05932M", 2),
    ]
    assert lignes(base, "select sum(montant_prevu) from financement") == [(590334,)]
    assert lignes(base, "select count(distinct cite_id) from gouvernance_reunion") == [(2,)]


def test_codes_d_un_autre_territoire_refuses_avec_un_exemple_de_ce_territoire(base):
    """A beneficiaries file of another territory: the expected value quotes a QPV and a
    commune of this programme, never a code that would be refused too (issue 13)."""
    creer(base, siren_epci=None, communes=["59014"], equipe={})
    fichier = (EXEMPLES / "2025_beneficiaires.csv").read_text(encoding="utf-8-sig")
    entete, premiere = fichier.splitlines()[:2]
    # A Lyon child (Vénissieux, QPV Minguettes - Clochettes).
    lyon = premiere.replace(";59616;QN05932M;", ";69259;QN06918M;")
    contenu = f"{entete}\n{lyon}\n".encode()
    rapport = importer(base, [Fichier("2025_beneficiaires.csv", contenu)], PRE, 2025, CLE)
    assert not rapport.ecrit
    assert [(e.colonne, e.valeur, e.attendu) for e in rapport.erreurs] == [
        (
            "commune_residence",
            "69259",
            "le code INSEE d'une commune d'intervention du programme (ex. 59014)",
        ),
        ("code_qpv", "QN06918M", "le code d'un QPV de la géographie chargée (ex. QN05920M)"),
    ]


def test_cli_programme_puis_import_puis_remplacement(base, capsys, monkeypatch):
    monkeypatch.setenv("PRE_CLE_PSEUDONYMISATION", CLE.decode())
    assert (
        main(
            [
                "programme",
                "creer",
                "--nom",
                "PRE de Valenciennes Métropole",
                "--epci",
                VALENCIENNES,
                "--annees",
                "2025",
                "--liste-anct",
                str(reel("pre_communes_anct_2024/pre_communes_2024.csv")),
                "--base",
                str(base),
            ]
        )
        == 0
    )
    sortie = capsys.readouterr().out
    assert "Liste ANCT : structure porteuse « CA Valenciennes Métropole » (EPCI)." in sortie
    assert "PRE de Valenciennes Métropole [pre-valenciennes-metropole]" in sortie
    fichiers = [str(p) for p in sorted(EXEMPLES.glob("2025_*.csv"))]
    importer_ = ["importer", "--programme", "pre-valenciennes-metropole", "--annee", "2025"]
    assert main([*importer_, "--base", str(base), *fichiers]) == 0
    capsys.readouterr()
    avant = empreinte_base(base)
    # Importing again replaces rows: refused without --remplacer, with the before/after summary.
    assert main([*importer_, "--base", str(base), *fichiers[:2]]) == 4
    erreurs = capsys.readouterr().err
    assert "  Actions des parcours — actions commencées en 2025 : 12 → 12" in erreurs
    assert "relancez la commande avec --remplacer" in erreurs
    assert empreinte_base(base) == avant
    assert main([*importer_, "--remplacer", "--base", str(base), *fichiers[:2]]) == 0


def test_cli_base_tenue_par_un_autre_processus(base, capsys, monkeypatch):
    import subprocess
    import sys

    creer(base, equipe={})
    monkeypatch.setenv("PRE_CLE_PSEUDONYMISATION", CLE.decode())
    # The app holds the file (read-only, as Streamlit's cached connection does).
    tenant = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            f"c = duckdb.connect({str(base)!r}, read_only=True)\n"
            "print('pret', flush=True)\n"
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    cog = fichiers_valenciennes()
    try:
        assert tenant.stdout.readline().strip() == "pret"
        fichiers = [str(p) for p in sorted(EXEMPLES.glob("2025_*.csv"))]
        code = main(
            ["importer", "--programme", PRE, "--annee", "2025", "--base", str(base), *fichiers]
        )
        message = capsys.readouterr().err
        # A programme change and a geography build meet the same lock (issue 13).
        code_programme = main(
            ["programme", "modifier", "--base", str(base), "--identifiant", PRE, "--nom", "PRE"]
        )
        message_programme = capsys.readouterr().err
        code_geographie = main(
            [
                "geographie",
                *("--base", str(base), "--epci", VALENCIENNES),
                *("--fichier", f"communes={cog['communes'][0]}"),
                *("--fichier", f"epci={cog['epci'][0]}"),
            ]
        )
        message_geographie = capsys.readouterr().err
    finally:
        tenant.communicate("")
    assert code == 3
    debut = f"La base {base} est ouverte par un autre programme (processus n° {tenant.pid})"
    assert f"{debut} : l'application du tableau de bord, ou un import en cours. " in message
    assert "Traceback" not in message and "lock" not in message
    assert (code_programme, message_programme) == (
        3,
        f"{debut} : l'application du tableau de bord, ou un import en cours. Rien n'a été "
        "écrit. Soit vous passez par l'application (rôle administration : page « Import des "
        "données » pour importer, page « Programme » pour créer ou modifier un programme), "
        "soit vous arrêtez l'application (Ctrl+C dans le terminal qui l'a lancée, ou arrêt du "
        "service) ou attendez la fin de l'import en cours, puis relancez la commande.\n",
    )
    assert code_geographie == 1
    assert message_geographie.endswith(
        f"Erreur : {debut} : l'application du tableau de bord, ou un import en cours. Rien "
        "n'a été écrit. Arrêtez l'application (Ctrl+C dans le terminal qui l'a lancée, ou "
        "arrêt du service) ou attendez la fin de l'import en cours, puis relancez la "
        "commande.\nLa base n'a pas été modifiée.\n"
    )


def test_articles_des_noms_de_lieux():
    assert [
        francais.de(n) for n in ("Bron", "Anzin", "Le Havre", "Les Mureaux", "La Rochelle")
    ] == [
        "de Bron",
        "d'Anzin",
        "du Havre",
        "des Mureaux",
        "de La Rochelle",
    ]
    assert [francais.a(n) for n in ("Bron", "Le Havre", "Les Mureaux", "La Rochelle")] == [
        "à Bron",
        "au Havre",
        "aux Mureaux",
        "à La Rochelle",
    ]
    # Real Cité éducative labels of the ANCT list (cites_educatives_communes.csv).
    assert [
        francais.cite_educative(n)
        for n in ("Bron", "Rennes Le Blosne", "Le Havre Nord", "Les Mureaux", "Allonnes")
    ] == [
        "Cité éducative de Bron",
        "Cité éducative de Rennes Le Blosne",
        "Cité éducative du Havre Nord",
        "Cité éducative des Mureaux",
        "Cité éducative d'Allonnes",
    ]
    assert francais.cite_educative("Cité éducative d'Alpha") == "Cité éducative d'Alpha"
    assert francais.quartier("Le Blosne") == "le quartier Le Blosne"


def test_phrases_de_la_cite_avec_un_nom_reel():
    from pre_pilotage import cite

    mesure = next(m for m in cite.MESURES if m.code == "cite_part_scolarises")
    assert cite.phrase(mesure, "Bron", 2025, 40.0, None, None, None) == (
        "En 2025, 40,0\u00a0% des enfants accompagnés par le PRE sont scolarisés dans une école "
        "ou un collège de la Cité éducative de Bron."
    )
    assert cite.phrase(mesure, "Rennes Le Blosne", 2025, None, None, None, None).endswith(
        "n'est pas calculable pour la Cité éducative de Rennes Le Blosne."
    )


def test_aide_et_erreurs_de_la_ligne_de_commande_en_francais(capsys):
    with pytest.raises(SystemExit) as sortie:
        main(["programme", "--help"])
    assert sortie.value.code == 0
    aide = capsys.readouterr().out
    assert aide.startswith("utilisation : python -m pre_pilotage programme [-h]")
    assert "  -h, --help            affiche cette aide et s'arrête\n" in aide
    assert "\narguments:\n" in aide and "\noptions:\n" in aide
    with pytest.raises(SystemExit) as sortie:
        main(["importer", "--base", "x.duckdb"])
    assert sortie.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "python -m pre_pilotage importer : erreur : arguments obligatoires manquants : "
        "fichiers, --programme, --annee"
    )
    with pytest.raises(SystemExit):
        main(["compte", "x", "--role", "chef"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "python -m pre_pilotage compte : erreur : argument --role : choix invalide : 'chef' "
        "(choix possibles : 'lecture', 'coordination', 'administration')"
    )


def test_pas_de_banniere_anglaise_du_solveur():
    """HiGHS prints « Running HiGHS … Copyright » at its first use: the command line absorbs it
    (the import's protection step used to show it between two French lines)."""
    import subprocess
    import sys

    code = (
        "from pre_pilotage.__main__ import taire_banniere_highs\n"
        "print('avant', flush=True)\n"
        "taire_banniere_highs()\n"
        "import highspy\n"
        "highspy.Highs()\n"
        "print('après', flush=True)\n"
    )
    sortie = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert sortie == "avant\naprès\n"


def test_ecritures_courantes_des_annees_fonctions_et_porteurs():
    """Found by a new user: a reversed period was refused without saying why, « référent » and
    « ccas » (as the app writes them, or in lower case) were refused."""
    with pytest.raises(module.ProgrammeInvalide) as erreur:
        module.lire_annees("2025-2024")
    assert erreur.value.erreurs == [
        "Années : la période « 2025-2024 » finit avant de commencer (écrivez 2024-2025)."
    ]
    assert module.lire_annees("2024-2025") == [2024, 2025]
    assert module.lire_equipe(
        ["2025:référent:0,8", "2025:Référent de parcours:1", "2025:Coordination:1"]
    ) == {2025: [("referent", 0.8), ("referent", 1.0), ("coordination", 1.0)]}
    assert module.lire_equipe(["2025:chef:1"]) == {2025: [("chef", 1.0)]}  # refused later
    assert [module.type_porteur(t) for t in ("ccas", "Caisse des écoles", "epci", "Mairie")] == [
        "CCAS",
        "caisse des écoles",
        "EPCI",
        "Mairie",
    ]


def test_erreurs_d_import_sans_ligne_ni_colonne_vides():
    """Found by a new user: a file whose name is not recognised was reported « ligne 0,
    colonne  : valeur «  » »."""
    from pre_pilotage.__main__ import texte_erreur
    from pre_pilotage.importation.controle import Erreur

    assert texte_erreur(Erreur("notes.csv", 0, "", "", "un nom de fichier reconnu")) == (
        "notes.csv : un nom de fichier reconnu"
    )
    assert texte_erreur(Erreur("2025_beneficiaires.csv", 17, "sexe", "X", "F ou M")) == (
        "2025_beneficiaires.csv, ligne 17, colonne sexe : valeur « X », attendu : F ou M"
    )
    assert texte_erreur(Erreur("b.csv", 1, "sexe", "", "une colonne présente")) == (
        "b.csv, ligne 1, colonne sexe : attendu : une colonne présente"
    )


def test_supprimer_un_programme_cree_par_erreur(base, capsys, monkeypatch):
    """No way to delete a programme created by mistake (outside test): the command line shows
    what would go and deletes only with --confirmer; everything of that programme goes (rows
    that point at its rows too, its protected cells), the other programme stays whole."""
    from pre_pilotage import protection

    monkeypatch.setenv("PRE_CLE_PSEUDONYMISATION", CLE.decode())
    creer(base)
    creer(base, pre_id="pre-erreur", nom="PRE créé par erreur")
    fichiers = [Fichier(p.name, p.read_bytes()) for p in sorted(EXEMPLES.glob("2025_*.csv"))]
    # (Fiche identifiers are unique in a base: the kept programme has its team only.)
    assert importer(base, fichiers, "pre-erreur", 2025, CLE, remplacer=True).ecrit
    tables = ("beneficiaire", "parcours", "fiche_action", "eps", "equipe", "lot_import")

    def par_programme(pre_id: str) -> list[int]:
        sql = "select count(*) from {} where pre_id = ?"
        return [lignes(base, sql.format(t), pre_id)[0][0] for t in tables]

    gardees = par_programme(PRE)
    assert gardees == [0, 0, 0, 0, 2, 0]
    actions = lignes(base, "select count(*) from action_parcours")[0][0]
    financements = lignes(base, "select count(*) from financement")[0][0]
    avant = empreinte_base(base)
    commande = ["programme", "supprimer", "--identifiant", "pre-erreur", "--base", str(base)]
    assert main(commande) == 2
    apercu = capsys.readouterr().err
    assert apercu.startswith(
        "Supprimer le programme « PRE créé par erreur » (pre-erreur) retirerait de la base :\n"
        "  - actions des parcours : 12\n"
        "  - motifs des parcours : "
    )
    # 12 children and parcours in the example files (a count below 11 reads « < 11 »).
    assert "  - parcours : 12\n  - enfants : 12\n" in apercu
    assert "  - lignes de financement : 37\n  - fiches-action : 12\n" in apercu
    assert apercu.endswith("Rien n'a été supprimé. Pour supprimer, relancez avec --confirmer.\n")
    assert empreinte_base(base) == avant
    assert main([*commande, "--confirmer"]) == 0
    assert "Programme « PRE créé par erreur » (pre-erreur) supprimé" in capsys.readouterr().out
    assert par_programme("pre-erreur") == [0] * len(tables)
    assert par_programme(PRE) == gardees
    assert lignes(base, "select count(*) from action_parcours")[0][0] == actions - 12
    assert lignes(base, "select count(*) from financement")[0][0] == financements - 37
    for table in ("programme", "programme_commune", "programme_annee", "secret_vue"):
        sql = "select count(*) from {} where pre_id = 'pre-erreur'"
        assert lignes(base, sql.format(table)) == [(0,)]
    assert lignes(base, "select count(*) from secret_vue where pre_id = ?", PRE)[0][0] > 0
    with duckdb.connect(str(base), read_only=True) as con:
        assert [protection.etat(con, s) for s in protection.seuils_en_usage()] == [None]
    # Unknown programme: a French refusal.
    assert main(["programme", "supprimer", "--identifiant", "pre-erreur", "--base", str(base)]) == 2
    assert "Aucun programme d'identifiant « pre-erreur » dans la base." in capsys.readouterr().err


def test_apercu_de_suppression_masque_les_petits_effectifs_d_enfants():
    assert module.texte_suppression(
        "pre-x", [("parcours", 5), ("beneficiaire", 11), ("fiche_action", 3)], 11
    ) == ["parcours : < 11", "enfants : 11", "fiches-action : 3"]


def test_page_programme_apercu_de_la_suppression(chemin_fixture, tmp_path, monkeypatch):
    """The page shows what deleting the programme removes, and asks for its identifier."""
    from streamlit.testing.v1 import AppTest

    from pre_pilotage.administration import Utilisateur
    from pre_pilotage.requetes import vider_caches
    from tests.lecture import texte_lu

    base = tmp_path / "fixture.duckdb"
    shutil.copy(chemin_fixture, base)
    monkeypatch.setenv("PRE_BASE", str(base))
    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=120)
    at.session_state["utilisateur"] = Utilisateur("admin", "Compte de test", "administration")
    at.run()
    at.switch_page("pages/programme.py").run()
    at.selectbox(key="programme_choisi").set_value("pre-test").run()
    assert not at.exception
    puces = [texte_lu(m.value) for m in at.markdown if m.value.startswith("- ")]
    assert puces[-1].splitlines() == [
        "- actions des parcours : 71",
        "- motifs des parcours : 121",
        "- parcours : 68",
        "- enfants : 68",
        *puces[-1].splitlines()[4:-3],
        "- membres de l'équipe (par année) : 8",
        "- communes du programme : 2",
        "- programme : 1",
    ]
    # The deletion itself (identifier typed, then the button) is driven in a real browser
    # (tests/test_premiere_carte.py): AppTest does not pass a click to a page opened with
    # switch_page.
    assert at.text_input(key="confirmer_suppression_pre-test").label == (
        "Pour confirmer, saisissez l'identifiant du programme : pre-test"
    )
