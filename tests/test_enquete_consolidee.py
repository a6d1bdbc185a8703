"""The national survey consolidated: real workbooks written by enquete.classeur from the fixture
database (tests/fixture_base.py) for three PRE, read back by meaning, stored, summed with their
masked cells as bounds; refusals in French; duplicates; re-import; response rate on the real ANCT
list of ../shared/data."""

from __future__ import annotations

import csv
import io
import shutil

import duckdb
import openpyxl
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from pre_pilotage import config, enquete, formats, telechargements
from pre_pilotage import enquete_consolidee as consolidee
from pre_pilotage import enquete_lecture as lecture
from pre_pilotage.administration import Utilisateur, lire_journal
from pre_pilotage.geographie import nationale
from pre_pilotage.requetes import executer, vider_caches
from tests.fixture_base import ALPHA, BETA, PRE
from tests.test_geographie import reel
from tests.test_territoires import FICHIERS

LILLE = enquete.Programme("pre-lille", "PRE de Lille", ("59350",))
ROUBAIX = enquete.Programme("pre-roubaix", "PRE de Roubaix", ("59512",))
BOBIGNY = enquete.Programme("pre-bobigny", "PRE de Bobigny", ("93008",))
ATTENDU = "(attendu : un nombre, « < 11 », « s » ou « – »)"


def classeur(con, programme, commune=None, annee=2024, seuil=11, interne=False) -> bytes:
    """A real survey workbook: the fixture's programme (or one of its communes) as `programme`."""
    cadres = enquete.lire(
        lambda nom, **p: executer(con, nom, seuil, **p), PRE, commune, None, annee
    )
    return enquete.classeur(
        cadres,
        annee=annee,
        territoire=programme.nom,
        date_donnees="2025-12-31",
        seuil=seuil,
        interne=interne,
        programme=programme,
    )


@pytest.fixture(scope="module")
def classeurs(con_fixture) -> dict[str, bytes]:
    # Lille: the whole fixture programme; Roubaix: its commune Beta; Bobigny: its commune Alpha.
    return {
        "enquete_lille.xlsx": classeur(con_fixture, LILLE),
        "enquete_roubaix.xlsx": classeur(con_fixture, ROUBAIX, BETA),
        "enquete_bobigny.xlsx": classeur(con_fixture, BOBIGNY, ALPHA),
    }


@pytest.fixture
def base(chemin_fixture, tmp_path):
    copie = tmp_path / "base.duckdb"
    shutil.copy(chemin_fixture, copie)
    return copie


def modifier(contenu: bytes, changer) -> bytes:
    livre = openpyxl.load_workbook(io.BytesIO(contenu))
    changer(livre)
    tampon = io.BytesIO()
    livre.save(tampon)
    return tampon.getvalue()


def refus(nom: str, contenu: bytes, annee: int = 2024) -> list[str]:
    with pytest.raises(lecture.ClasseurRefuse) as erreur:
        lecture.lire_classeur(nom, contenu, annee)
    return erreur.value.messages


def valeurs(base) -> int:
    with duckdb.connect(str(base), read_only=True) as con:
        return con.execute("select count(*) from enquete_nationale.valeur").fetchone()[0]


# ------------------------------------------------------------------------------ reading


def test_lecture_identifie_le_pre_l_annee_et_chaque_valeur(classeurs):
    reponse = lecture.lire_classeur("enquete_lille.xlsx", classeurs["enquete_lille.xlsx"], 2024)
    assert (reponse.pre_id, reponse.nom, reponse.communes, reponse.annee, reponse.seuil) == (
        "pre-lille",
        "PRE de Lille",
        ("59350",),
        2024,
        11,
    )
    par_cle = {(v.code, v.modalite, v.colonne): v for v in reponse.valeurs}
    actifs = par_cle[("actifs", "", "valeur")]
    assert (actifs.feuille, actifs.valeur, actifs.jeton, actifs.unite, actifs.cellule) == (
        "Bénéficiaires",
        54,
        None,
        "nombre",
        "B7",
    )
    assert par_cle[("part_qpv", "", "valeur")].unite == "pourcentage"
    assert par_cle[("part_qpv", "", "valeur")].valeur == 72.2
    assert (par_cle[("part_profil", "Profil 1", "effectif")].jeton) == "< 11"
    assert (par_cle[("part_profil", "Profil 2", "effectif")].jeton) == "s"
    assert par_cle[("part_profil", "Profil 2", "part_nationale")].jeton == "–"
    assert par_cle[("part_motif_orientation", "", "parcours_actifs")].valeur == 54
    assert (
        par_cle[("budget_par_financeur", "État – politique de la ville", "montant_prevu")].valeur
        == 13000
    )
    assert (
        par_cle[("budget_par_financeur", "État – politique de la ville", "montant_prevu")].unite
        == "euros"
    )
    # Every figure of the five theme sheets, none dropped: 160 cells.
    assert len(reponse.valeurs) == 160


def test_lecture_par_le_sens_pas_par_la_position(classeurs):
    """Sheets reordered, rows inserted, columns swapped: the same values are read."""
    origine = classeurs["enquete_lille.xlsx"]

    def deranger(livre):
        livre.move_sheet("Budget", offset=-4)
        livre["Bénéficiaires"].insert_rows(5, 2)
        feuille = livre["Orientation"]
        for ligne in feuille.iter_rows():
            ligne[1].value, ligne[2].value = ligne[2].value, ligne[1].value
        livre["Sources et définitions"].title = "sources et definitions"

    avant = lecture.lire_classeur("a.xlsx", origine, 2024).valeurs
    apres = lecture.lire_classeur("a.xlsx", modifier(origine, deranger), 2024).valeurs
    cle = lambda v: (v.code, v.modalite, v.colonne, v.valeur, v.jeton)  # noqa: E731
    assert sorted(map(cle, avant), key=str) == sorted(map(cle, apres), key=str)


def test_texte_dans_une_case_nombre_refuse(classeurs, base):
    def douze(livre):
        livre["Bénéficiaires"]["B7"] = "douze"

    contenu = modifier(classeurs["enquete_lille.xlsx"], douze)
    assert refus("enquete_lille.xlsx", contenu) == [
        f"enquete_lille.xlsx, feuille « Bénéficiaires », ligne 7, colonne B : valeur « douze » "
        f"illisible {ATTENDU}"
    ]
    controle = lecture.controler(
        [
            ("enquete_lille.xlsx", contenu),
            ("enquete_roubaix.xlsx", classeurs["enquete_roubaix.xlsx"]),
        ],
        2024,
    )
    assert list(controle.refus) == ["enquete_lille.xlsx"]
    assert [r.pre_id for r in controle.reponses] == ["pre-roubaix"]
    consolidee.enregistrer(base, controle.reponses, "test")
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute("select pre_id from enquete_nationale.reponse").fetchall() == [
            ("pre-roubaix",)
        ]
        assert con.execute(
            "select count(*) from enquete_nationale.valeur where pre_id = 'pre-lille'"
        ).fetchone() == (0,)


def test_feuille_manquante_jeton_modifie_et_case_hors_tableau(classeurs):
    def abimer(livre):
        del livre["Budget"]
        livre["Parcours"]["B13"] = "<11"  # « Enfants suivis par l'ASE »: token retyped
        livre["Orientation"]["F3"] = "remarque"

    assert refus("x.xlsx", modifier(classeurs["enquete_lille.xlsx"], abimer)) == [
        "x.xlsx : feuille « Budget » absente",
        "x.xlsx, feuille « Orientation », ligne 3, colonne F : valeur « remarque » hors des "
        "tableaux attendus de l'enquête",
        f"x.xlsx, feuille « Parcours », ligne 13, colonne B : jeton de secret « <11 » modifié "
        f"{ATTENDU}",
    ]


def test_classeur_etranger_ou_illisible(classeurs):
    livre = openpyxl.Workbook()
    livre.active.title = "Feuil1"
    livre.active["A1"] = "Budget 2024"
    tampon = io.BytesIO()
    livre.save(tampon)
    assert refus("budget.xlsx", tampon.getvalue()) == [
        "budget.xlsx : ce classeur n'est pas un classeur de l'enquête nationale PRE (feuilles "
        "trouvées : « Feuil1 » ; attendues : « Bénéficiaires », « Orientation », « Parcours », "
        "« Équipe et EPS », « Budget », « Sources et définitions »)"
    ]
    assert refus("notes.xlsx", b"nom;age\nx;3\n") == [
        "notes.xlsx : ce n'est pas un classeur XLSX lisible (BadZipFile)"
    ]


def test_autre_annee_classeur_interne_et_sans_identification(con_fixture, classeurs):
    # Five sheets, the sources sheet and its identification block say 2023: one message.
    assert refus("lille_2023.xlsx", classeur(con_fixture, LILLE, annee=2023)) == [
        "lille_2023.xlsx : classeur de l'année 2023, alors que l'enquête consolidée porte sur "
        "l'année 2024"
    ]

    def une_feuille_2023(livre):
        feuille = livre["Budget"]
        feuille["A2"] = feuille["A2"].value.replace("année 2024", "année 2023")

    assert refus("melange.xlsx", modifier(classeurs["enquete_lille.xlsx"], une_feuille_2023)) == [
        "melange.xlsx, feuille « Budget » : classeur de l'année 2023, alors que l'enquête "
        "consolidée porte sur l'année 2024"
    ]
    interne = refus("interne.xlsx", classeur(con_fixture, LILLE, seuil=5, interne=True))
    assert (
        "interne.xlsx, feuille « Bénéficiaires », ligne 4, colonne A : classeur interne à "
        "l'équipe du PRE (établi sous le seuil de 11 enfants) : il ne peut pas être transmis "
        "à l'enquête nationale"
    ) in interne
    assert (
        "interne.xlsx : classeur établi au seuil de 5 enfants ; l'enquête nationale demande le "
        "seuil de 11"
    ) in interne
    sans = enquete.classeur(
        enquete.lire(lambda nom, **p: executer(con_fixture, nom, 11, **p), PRE, None, None, 2024),
        annee=2024,
        territoire="PRE de test",
        date_donnees=None,
        seuil=11,
    )
    assert refus("ancien.xlsx", sans) == [
        "ancien.xlsx, feuille « Sources et définitions » : bloc « Identification du programme » "
        "absent ; le classeur ne dit pas quel PRE répond (produisez-le de nouveau depuis la "
        "page « Publics et parcours »)"
    ]


def test_doublons_signales(classeurs):
    lille = classeurs["enquete_lille.xlsx"]
    controle = lecture.controler(
        [("a.xlsx", lille), ("b.xlsx", lille), ("r.xlsx", classeurs["enquete_roubaix.xlsx"])],
        2024,
    )
    assert controle.a_choisir
    assert [r.pre_id for r in controle.reponses] == ["pre-roubaix"]
    cle, reponses = next(iter(controle.doublons.items()))
    assert lecture.message_doublon(cle, reponses) == (
        "2 classeurs pour le PRE « PRE de Lille » (pre-lille), année 2024 : « a.xlsx », "
        "« b.xlsx » (fichiers identiques). Lequel garder ?"
    )


# ------------------------------------------------------------------------------ storage


def test_reimport_montre_les_changements_et_demande(con_fixture, classeurs, base):
    premiere = lecture.lire_classeur("l.xlsx", classeurs["enquete_lille.xlsx"], 2024)
    assert consolidee.enregistrer(base, [premiere], "anct").ecrites == ["pre-lille"]
    assert consolidee.enregistrer(base, [premiere], "anct").inchangees == ["pre-lille"]
    # Lille sends its answer again, with the figures of commune Alpha only.
    seconde = lecture.lire_classeur("l2.xlsx", classeur(con_fixture, LILLE, ALPHA), 2024)
    resultat = consolidee.enregistrer(base, [seconde], "anct")
    assert resultat.confirmation_requise and not resultat.ecrites
    changements = resultat.a_confirmer["pre-lille"]
    assert changements.filter(pl.col("indicateur") == "Enfants accompagnés").row(0) == (
        "PRE de Lille",
        "Enfants accompagnés",
        "–",
        "Valeur",
        "54",
        "50",
    )
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute(
            "select valeur from enquete_nationale.valeur where pre_id = 'pre-lille' and code = 'actifs'"
        ).fetchone() == (54,)
    assert consolidee.enregistrer(base, [seconde], "anct", remplacer=True).ecrites == ["pre-lille"]
    with duckdb.connect(str(base), read_only=True) as con:
        assert con.execute(
            "select valeur from enquete_nationale.valeur where pre_id = 'pre-lille' and code = 'actifs'"
        ).fetchone() == (50,)
        assert con.execute("select count(*) from enquete_nationale.reponse").fetchone() == (1,)


# ------------------------------------------------------------------------------ consolidation


@pytest.fixture
def consolide(classeurs, base) -> pl.DataFrame:
    controle = lecture.controler(list(classeurs.items()), 2024)
    assert not controle.refus and not controle.doublons
    consolidee.enregistrer(base, controle.reponses, "anct")
    with duckdb.connect(str(base), read_only=True) as con:
        _, lues = consolidee.charger(con, 2024)
    return consolidee.consolider(lues)


def test_totaux_nationaux_exacts(consolide):
    cles = consolidee.chiffres_cles(consolide)
    resume = dict(zip(cles["code"], cles["resume"], strict=True))
    # Enfants accompagnés: Lille 54 + Bobigny (Alpha: 20 + 15 + 12 + 3) 50 + Roubaix (Beta:
    # 4 girls) « < 11 », i.e. 1 to 10: 105 to 114.
    assert resume["actifs"] == "de 105 à 114 (1 case masquée dans les réponses)"
    assert resume["entrees"] == "de 65 à 74 (1 case masquée dans les réponses)"
    assert resume["sorties"] == "de 51 à 60 (1 case masquée dans les réponses)"
    assert resume["transition_cp_ce1"] == "40"
    assert resume["reunions_eps"] == "8"
    assert resume["budget_programme"] == "30\u202f000\xa0€"
    # Three « < 11 »: 3 to 30; a floor under 11 is not said.
    assert resume["suivi_ase"] == "au plus 30 (3 cases masquées dans les réponses)"
    assert resume["part_qpv"] == (
        "médiane 71,1 % (quartiles 70,5 % et 71,7 % ; de 70,0 % à 72,2 %), sur 2 PRE ; "
        "1 valeur masquée non comptée"
    ).replace(" %", formats.ESPACE_UNITE + "%")
    sexe = consolidee.repartition(consolide, "part_sexe")
    assert sexe.select("modalite", "total", "total__secret", "masquees").rows() == [
        ("Filles", None, "de 35 à 44", 1),  # 19 + 15 + « < 11 »
        ("Garçons", 70.0, None, 0),  # 35 + 35 + 0
    ]
    assert sexe["part"].to_list() == [None, None]  # not computable: a masked cell


def test_total_avec_cases_masquees():
    t = consolidee.total
    assert t([54, 50], [], True).exact() == 104
    assert t([7], [], True).texte("nombre") == "< 11"  # an exact small count, hidden
    assert t([0], ["< 11"], True).texte("nombre") == "< 11"  # 1 to 10
    assert t([], ["< 11", "< 11"], True).texte("nombre") == "au plus 20"
    assert t([30], ["s"], True).texte("nombre") == "au moins 30"
    assert t([3], ["s"], True).texte("nombre") == "s"
    assert t([30], ["< 11", "< 11", "–"], True).texte("nombre") == "de 32 à 50"
    assert t([5000], [], False).exact() == 5000  # euros are not children
    assert t([1000], ["s"], False).texte("euros") == "au moins 1\u202f000\xa0€"


# ------------------------------------------------------------------------------ response rate


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, pl.DataFrame]:
    chemin = tmp_path_factory.mktemp("territoires") / "territoires.duckdb"
    nationale.ecrire(nationale.construire({t: reel(c) for t, c in FICHIERS.items()}), chemin)
    return nationale.lire(chemin)


def _structures_anct() -> list[dict[str, str]]:
    """ANCT list rows (one per structure porteuse and commune), from the CSV. Each row is
    counted in the département its first column names (some rows' INSEE codes point elsewhere:
    the reference corrects them, `geographie.nationale`)."""
    with reel(FICHIERS["pre_communes"]).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_taux_de_reponse_sur_la_liste_anct(reference):
    reponses = pl.DataFrame(
        {
            "pre_id": ["pre-lille", "pre-roubaix", "pre-bobigny", "pre-bailleul", "pre-test"],
            "communes": ["59350", "59512", "93008", "59043", "96901 ; 96902"],
        }
    )
    assert "59043" not in set(reference["pre_commune"]["code_insee"])  # Bailleul: not listed
    places = consolidee.placer(reponses, reference)
    lignes_anct = _structures_anct()
    hauts_de_france = sum(1 for r in lignes_anct if r["région"] == "HAUTS-DE-FRANCE")
    assert hauts_de_france == 83
    du_nord = sum(1 for r in lignes_anct if r["Direction du gestionnaire du dossier"] == "Nord")
    france = consolidee.taux_de_reponse(places, reference, "FR")
    lignes = {r["territoire"]: r for r in france.iter_rows(named=True)}
    assert lignes["Hauts-de-France"]["pre_liste"] == 83
    assert lignes["Hauts-de-France"]["repondants"] == 2
    assert lignes["Hauts-de-France"]["hors_liste"] == 1
    assert lignes["Hauts-de-France"]["taux"] == pytest.approx(2 / 83 * 100)
    assert lignes["Île-de-France"]["repondants"] == 1
    assert lignes["Ensemble"]["pre_liste"] == len(lignes_anct) == 522
    assert lignes["Ensemble"]["taux"] == pytest.approx(3 / 522 * 100)
    assert lignes["Ensemble"]["hors_liste"] == 2
    # The fixture's made-up commune 96901 is in no known département: said, not dropped.
    inconnu = lignes["Commune hors des départements connus"]
    assert (inconnu["pre_liste"], inconnu["repondants"], inconnu["hors_liste"]) == (0, 0, 1)
    assert inconnu["taux"] is None
    nord = consolidee.taux_de_reponse(places, reference, "D59")
    assert nord.rows() == [
        ("Nord", du_nord, 2, 1, pytest.approx(2 / du_nord * 100)),
        ("Ensemble", du_nord, 2, 1, pytest.approx(2 / du_nord * 100)),
    ]


# ------------------------------------------------------------------------------ page


@pytest.fixture(scope="module")
def chemin_reference(tmp_path_factory):
    chemin = tmp_path_factory.mktemp("reference_page") / "territoires.duckdb"
    nationale.ecrire(nationale.construire({t: reel(c) for t, c in FICHIERS.items()}), chemin)
    return chemin


def page_enquete(monkeypatch, base, reference, role="administration", **url) -> AppTest:
    monkeypatch.setenv("PRE_BASE", str(base))
    monkeypatch.setenv("PRE_TERRITOIRES", str(reference))
    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
    at.session_state["utilisateur"] = Utilisateur("test-anct", "Compte de test", role)
    for cle, valeur in url.items():
        at.query_params[cle] = valeur
    at.run()
    return at.switch_page("pages/enquete.py").run()


def test_page_region_et_export_journalise(
    monkeypatch, classeurs, base, chemin_reference, administration_isolee
):
    controle = lecture.controler(list(classeurs.items()), 2024)
    consolidee.enregistrer(base, controle.reponses, "anct")
    at = page_enquete(monkeypatch, base, chemin_reference, annee="2024", territoire="R32")
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {
        "PRE ayant répondu": "2",  # Lille and Roubaix; Bobigny is in Île-de-France
        "PRE de la liste ANCT": "83",
        "Taux de réponse": "2,4\u00a0%",
    }
    libelle = "Télécharger la consolidation (XLSX)"
    contenu = at.session_state[telechargements.CLE_PRODUCTIONS][libelle]()
    feuille = openpyxl.load_workbook(io.BytesIO(contenu))["Tableau"]
    lignes = {
        (ligne[1], ligne[2], ligne[3]): ligne for ligne in feuille.iter_rows(values_only=True)
    }
    # Lille 54 + Roubaix « < 11 »: 55 to 64, one masked cell, two PRE.
    actifs = lignes[("Enfants accompagnés", "–", "Valeur")]
    assert actifs[4] == "de 55 à 64"
    assert actifs[9:] == (2, 1)
    assert lignes[("Budget programmé", "–", "Valeur")][4] == 25000  # Roubaix (Beta): 0 €
    journal = [
        ligne
        for ligne in lire_journal(chemin=administration_isolee, actions=["export"])
        if ligne["identifiant"] == "test-anct"
    ]
    assert journal[-1]["objet"] == "enquete-nationale-consolidee-2024.xlsx"
    assert journal[-1]["filtres"] == '{"territoire": "R32", "annee": 2024}'


def test_page_refusee_au_role_coordination(monkeypatch, base, chemin_reference):
    at = page_enquete(monkeypatch, base, chemin_reference, role="coordination")
    assert at.error[0].value == (
        "Accès refusé : cette page est réservée au rôle « administration »."
    )


def test_classeur_de_la_page_publics_lu_par_la_consolidation(chemin_fixture, monkeypatch):
    """The workbook the « Publics et parcours » page makes is one the consolidation reads."""
    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
    at.session_state["utilisateur"] = Utilisateur("test-pre", "Compte de test", "coordination")
    at.query_params["annee"] = "2024"
    at.run()
    at = at.switch_page("pages/publics.py").run()
    libelle = "Télécharger les chiffres de l'enquête nationale (XLSX)"
    contenu = at.session_state[telechargements.CLE_PRODUCTIONS][libelle]()
    reponse = lecture.lire_classeur("enquete-nationale-pre-2024.xlsx", contenu, 2024)
    assert (reponse.pre_id, reponse.nom, reponse.communes) == (
        "pre-test",
        "PRE de test",
        (ALPHA, BETA),
    )
    assert len(reponse.valeurs) == 160


def test_classeur_limite_a_une_commune_refuse(con_fixture):
    alpha = enquete.Programme("pre-test", "PRE de test", (ALPHA, BETA), f"Alpha ({ALPHA})")
    assert refus("alpha.xlsx", classeur(con_fixture, alpha, ALPHA)) == [
        "alpha.xlsx, feuille « Sources et définitions » : chiffres limités à « Alpha (96901) » ; "
        "l'enquête porte sur le programme entier"
    ]


def test_part_consolidee_quand_tous_les_effectifs_sont_connus():
    def lignes(pre_id, filles, garcons):
        return [
            (pre_id, "Bénéficiaires", "part_sexe", "Filles", "effectif", "nombre", filles, None),
            (pre_id, "Bénéficiaires", "part_sexe", "Garçons", "effectif", "nombre", garcons, None),
        ]

    valeurs = pl.DataFrame(
        lignes("a", 30.0, 20.0) + lignes("b", 12.0, 18.0),
        schema=["pre_id", "feuille", "code", "modalite", "colonne", "unite", "valeur", "jeton"],
        orient="row",
    )
    sexe = consolidee.repartition(consolidee.consolider(valeurs), "part_sexe")
    assert sexe.select("modalite", "total", "part").rows() == [
        ("Filles", 42.0, 52.5),  # 42 / 80
        ("Garçons", 38.0, 47.5),
    ]


def test_un_seul_petit_effectif_consolide_ne_se_retrouve_pas_par_difference():
    """Girls 4 + 3 = 7 (hidden « < 11 »), boys 30 + 20 = 50: with the children's total published,
    7 would be 57 − 50; the boys' count is hidden too (« s »)."""

    def lignes(pre_id, filles, garcons):
        return [
            (pre_id, "Bénéficiaires", "part_sexe", "Filles", "effectif", "nombre", filles, None),
            (pre_id, "Bénéficiaires", "part_sexe", "Garçons", "effectif", "nombre", garcons, None),
        ]

    valeurs = pl.DataFrame(
        lignes("a", 4.0, 30.0) + lignes("b", 3.0, 20.0),
        schema=["pre_id", "feuille", "code", "modalite", "colonne", "unite", "valeur", "jeton"],
        orient="row",
    )
    sexe = consolidee.repartition(consolidee.consolider(valeurs), "part_sexe")
    assert sexe.select("modalite", "total", "total__secret", "part").rows() == [
        ("Filles", None, "< 11", None),
        ("Garçons", None, "s", None),
    ]


def test_par_region(consolide, base, reference):
    with duckdb.connect(str(base), read_only=True) as con:
        reponses, lues = consolidee.charger(con, 2024)
    places = consolidee.placer(reponses, reference)
    regions = consolidee.par_territoire(lues, places, reference, "FR")
    assert regions.select(
        "territoire", "programmes", "actifs", "actifs__secret", "budget_programme"
    ).rows() == [
        ("Hauts-de-France", 2, None, "de 55 à 64", 25000.0),  # Lille 54 + Roubaix « < 11 »
        ("Île-de-France", 1, 50.0, None, 5000.0),  # Bobigny (commune Alpha)
    ]


def test_page_refusee_au_compte_limite_a_un_programme(monkeypatch, base, chemin_reference):
    monkeypatch.setenv("PRE_BASE", str(base))
    monkeypatch.setenv("PRE_TERRITOIRES", str(chemin_reference))
    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
    at.session_state["utilisateur"] = Utilisateur(
        "test-pre", "Compte de test", "administration", pre_id="pre-test"
    )
    at.run()
    at = at.switch_page("pages/enquete.py").run()
    assert at.error[0].value == (
        "Accès refusé : la consolidation de l'enquête nationale porte sur tous les PRE ; votre "
        "compte est limité à un seul programme."
    )
    assert not at.get("file_uploader")
