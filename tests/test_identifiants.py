"""Personal data hidden in free text and in file names: found however disguised, never stored.

The corpus (tests/corpus/identifiants_deguises.csv) holds identifiers written to dodge the
detectors; each is put in a free-text cell of a real import (fiche titles and carriers, EPS names
and meeting ids), in a file whose own name identifies a child. Refused, nothing is written; masked,
the DuckDB file, the administration SQLite file (and their journals) hold none of them.
"""

from __future__ import annotations

import csv
import functools
import io
import shutil
from pathlib import Path

import duckdb
import pytest

from pre_pilotage import db
from pre_pilotage.administration import Utilisateur, journaliser, lire_journal
from pre_pilotage.importation import Fichier, entree_journal, identifiants
from pre_pilotage.importation import importer as importer_protege
from pre_pilotage.importation.controle import (
    VALEUR_MASQUEE,
    Reference,
    Validateur,
    masque,
)
from pre_pilotage.importation.exemples import ecrire_exemples
from pre_pilotage.importation.lecture import Tableau
from pre_pilotage.importation.schemas import FORMATS

# The statistical protection is computed from the tables scanned here: a text absent from them
# cannot reach it (tests/test_protection.py checks that an import recomputes it).
importer = functools.partial(importer_protege, proteger=False)

PRE = "pre-90001"
CLE = b"cle-de-test-suffisamment-longue"
CORPUS = Path(__file__).parent / "corpus"
NOM_DE_FICHIER = "2025_fiches_action_Dupont_Lucas_12-03-2015.csv"
NOM_SEUL = "Dupont_Lucas_12-03-2015.csv"
TABLES_PROGRAMME = (
    "parcours_motif",
    "action_parcours",
    "parcours",
    "beneficiaire",
    "eps_reunion_partenaire",
    "eps_reunion",
    "eps",
    "financement",
    "fiche_action",
    "gouvernance_participation",
    "gouvernance_reunion",
    "equipe",
)


def _corpus() -> list[dict[str, str]]:
    with open(CORPUS / "identifiants_deguises.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


CORPUS_DEGUISE = _corpus()
LEGITIMES = (CORPUS / "textes_legitimes.txt").read_text(encoding="utf-8").splitlines()
# What must be found nowhere after an import: every identifier, and the file's own name.
SECRETS = [e["secret"] for e in CORPUS_DEGUISE] + ["Dupont_Lucas", "Dupont", "12-03-2015"]


def test_le_corpus_est_assez_varie():
    assert len(CORPUS_DEGUISE) >= 30
    natures = {e["nature"] for e in CORPUS_DEGUISE}
    assert natures == {
        identifiants.ADRESSE_ELECTRONIQUE,
        identifiants.NIR,
        identifiants.TELEPHONE,
        identifiants.ADRESSE_POSTALE,
        identifiants.DATE_NAISSANCE,
        identifiants.NOM_ET_DATE,
        identifiants.NOM_ET_SITUATION,
        identifiants.NOM_DE_FAMILLE,
        identifiants.NUMERO_DOSSIER,
    }
    assert len(LEGITIMES) >= 20


@pytest.mark.parametrize("entree", CORPUS_DEGUISE, ids=lambda e: e["secret"])
def test_chaque_identifiant_deguise_est_trouve(entree):
    assert entree["secret"] in entree["texte"]
    assert identifiants.detecter(entree["texte"]) == entree["nature"]


@pytest.mark.parametrize("texte", LEGITIMES)
def test_le_texte_ordinaire_du_programme_passe(texte):
    assert identifiants.detecter(texte) is None


def test_un_nom_de_lieu_de_la_base_n_est_pas_un_nom_de_personne():
    texte = "Atelier Hergnies violences"
    assert identifiants.detecter(texte) == identifiants.NOM_ET_SITUATION
    assert identifiants.detecter(texte, frozenset(identifiants.cle_lieu("Hergnies"))) is None


def test_un_deguisement_par_caracteres_invisibles_ou_pleine_chasse_est_defait():
    assert identifiants.detecter("06\u200b12\u200b34\u200b56\u200b78") == identifiants.TELEPHONE
    assert identifiants.detecter("０６ １２ ３４ ５６ ７８") == identifiants.TELEPHONE
    assert (
        identifiants.detecter("lina\u00adozanne＠gmail．com") == identifiants.ADRESSE_ELECTRONIQUE
    )


# -- the validator: refused or masked, only free text masked -----------------------------------


def _reference() -> Reference:
    return Reference(
        pre_id="pre-test",
        annee=2025,
        nomenclatures={"thematique": {"parentalite": "parentalite"}, "niveau": {"communal": "c"}},
        communes=set(),
        qpv={},
        uai=set(),
        cites=set(),
        fiches_annee=set(),
        parcours=set(),
        cle=CLE,
    )


def _valider(lignes: list[list[str]], textes: str):
    format_ = FORMATS["fiches_action"]
    entetes = ["identifiant_fiche", "annee", "intitule", "thematique", "niveau", "porteur"]
    tableau = Tableau(
        "2025_fiches_action.csv",
        entetes,
        entetes,
        [(numero, cellules) for numero, cellules in enumerate(lignes, start=2)],
    )
    return Validateur(tableau, format_, _reference(), "supprimer", textes).valider()


def test_le_masquage_ne_touche_que_les_textes_libres():
    lignes = [
        ["FA1", "2025", "Inès Vandamme 12 mars 2015", "parentalite", "communal", "CCAS"],
        ["FA2", "2025", "Atelier", "Famille Wojcik", "communal", "CCAS"],
    ]
    resultat = _valider(lignes, "masquer")
    # A code column is never masked: the row is refused, the value not repeated.
    assert [(e.ligne, e.colonne, e.valeur) for e in resultat.erreurs] == [
        (3, "thematique", VALEUR_MASQUEE)
    ]
    assert resultat.erreurs[0].attendu == (
        "aucune donnée personnelle (la cellule contient un nom de famille)"
    )
    assert resultat.lignes[0]["intitule"] == masque("Inès Vandamme 12 mars 2015", CLE)
    assert resultat.lignes[0]["intitule"].startswith("masqué-")
    assert resultat.remarques == [
        "Colonne « intitule » : 1 texte contenant un nom de personne et une date "
        "masqué (ligne 2) ; il est enregistré sous une valeur neutre « masqué-… »."
    ]
    refus = _valider(lignes[:1], "refuser")
    assert [(e.ligne, e.colonne, e.valeur, e.attendu) for e in refus.erreurs] == [
        (
            2,
            "intitule",
            VALEUR_MASQUEE,
            "aucune donnée personnelle (la cellule contient un nom de personne et une date)",
        )
    ]
    assert refus.lignes == []


def test_le_masque_depend_de_la_cle_et_du_texte():
    assert masque("Famille Wojcik", CLE) == masque("Famille Wojcik", CLE)
    assert masque("Famille Wojcik", CLE) != masque("Famille Wojcik", b"une-autre-cle-assez-longue")
    assert masque("Famille Wojcik", CLE) != masque("Famille Wojcak", CLE)


# -- a real import, then a scan of every byte written --------------------------------------------


@pytest.fixture(scope="module")
def exemples(chemin_demo, tmp_path_factory) -> Path:
    dossier = tmp_path_factory.mktemp("exemples_identifiants")
    ecrire_exemples(chemin_demo, dossier, PRE, [2025])
    return dossier


@pytest.fixture
def base_vide(chemin_demo, tmp_path) -> Path:
    """The demo's geography and programme, without its programme data, not flagged demo."""
    dossier = tmp_path / "donnees"
    dossier.mkdir()
    chemin = dossier / "pre.duckdb"
    shutil.copy(chemin_demo, chemin)
    with duckdb.connect(str(chemin)) as con:
        for table in TABLES_PROGRAMME:
            con.table(table)  # the table exists
            con.execute("delete from " + table)  # noqa: S608 - fixed table names above
        con.execute("delete from meta where cle = 'donnees_demo'")
    return chemin


def _lire(chemin: Path) -> tuple[list[str], list[list[str]]]:
    lignes = list(csv.reader(io.StringIO(chemin.read_text(encoding="utf-8-sig")), delimiter=";"))
    return lignes[0], lignes[1:]


def _ecrire(entetes: list[str], lignes: list[list[str]]) -> bytes:
    sortie = io.StringIO()
    csv.writer(sortie, delimiter=";", lineterminator="\n").writerows([entetes, *lignes])
    return sortie.getvalue().encode("utf-8")


def _fichiers_pieges(exemples: Path) -> tuple[list[Fichier], list[tuple[str, int, str, dict]]]:
    """The 2025 files with one corpus identifier per row (fiches first, then EPS meetings), the
    fiches file named after a child; and where each identifier is: (file, line, column, entry)."""
    places = []
    entetes, fiches = _lire(exemples / "2025_fiches_action.csv")
    entetes_eps, reunions = _lire(exemples / "2025_eps.csv")
    for rang, entree in enumerate(CORPUS_DEGUISE):
        if rang < len(fiches):
            colonne = "intitule" if rang % 2 == 0 else "porteur"
            fiches[rang][entetes.index(colonne)] = entree["texte"]
            places.append(("fichier n° 1", rang + 2, colonne, entree))
        else:
            i = rang - len(fiches)
            colonne = "eps" if i % 2 == 0 else "identifiant_reunion"
            reunions[i][entetes_eps.index(colonne)] = entree["texte"]
            places.append(("2025_eps.csv", i + 2, colonne, entree))
    assert len(places) == len(CORPUS_DEGUISE) and places[-1][0] == "2025_eps.csv"
    fichiers = [
        Fichier(NOM_DE_FICHIER, _ecrire(entetes, fiches)),
        Fichier("2025_eps.csv", _ecrire(entetes_eps, reunions)),
    ]
    return fichiers, places


def _octets(dossier: Path) -> dict[str, bytes]:
    """Every file of the data folder (DuckDB file and its .wal, SQLite file and its journals)."""
    return {f.name: f.read_bytes() for f in sorted(dossier.iterdir()) if f.is_file()}


def _textes_en_base(chemin: Path) -> str:
    with duckdb.connect(str(chemin), read_only=True) as con:
        morceaux = []
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall():
            for ligne in con.table(f"{schema}.{table}").fetchall():
                morceaux.append(" ".join(str(v) for v in ligne))
    return "\n".join(morceaux)


def test_import_refuse_chaque_identifiant_et_dit_ou(base_vide, exemples):
    avant = _octets(base_vide.parent)
    fichiers, places = _fichiers_pieges(exemples)
    rapport = importer(base_vide, fichiers, PRE, 2025, CLE)  # refusal is the default
    assert not rapport.ecrit
    masque_nom = "fichier n° 1 (nom masqué : il contient un nom de personne et une date)"
    assert [(e.fichier, e.ligne, e.colonne, e.valeur, e.attendu) for e in rapport.erreurs] == [
        (
            masque_nom if fichier == "fichier n° 1" else fichier,
            ligne,
            colonne,
            VALEUR_MASQUEE,
            f"aucune donnée personnelle (la cellule contient {entree['nature']})",
        )
        for fichier, ligne, colonne, entree in places
    ]
    dit = repr(rapport)
    for secret in SECRETS:
        assert secret not in dit, secret
    assert _octets(base_vide.parent) == avant  # nothing written, not even the file's name


def test_import_masque_et_aucun_octet_ne_garde_un_identifiant(base_vide, exemples, tmp_path):
    administration = base_vide.parent / "administration.sqlite"
    fichiers, places = _fichiers_pieges(exemples)
    fichiers.append(
        Fichier("2025_financements.csv", (exemples / "2025_financements.csv").read_bytes())
    )
    # A file whose name alone identifies a child (its kind chosen on the page).
    gouvernance = (exemples / "2025_gouvernance.csv").read_bytes()
    fichiers.append(Fichier(NOM_SEUL, gouvernance, type_fichier="gouvernance"))
    # The test can fail: every identifier is in what is imported (a file's name or content).
    importe = b"".join(f.nom.encode() + f.contenu for f in fichiers)
    assert all(secret.encode() in importe for secret in SECRETS)
    rapport = importer(base_vide, fichiers, PRE, 2025, CLE, textes="masquer")
    assert rapport.erreurs == [] and rapport.ecrit
    assert sorted(rapport.libelles) == [
        "Fiches-action (fichier CSV)",
        "Financements des fiches-action (fichier CSV)",
        "Réunions de gouvernance (fichier CSV)",
        "Réunions des EPS (fichier CSV)",
    ]
    masques = {r.split(" : Colonne ", 1)[0] for r in rapport.remarques}
    assert masques == {
        "fichier n° 1 (nom masqué : il contient un nom de personne et une date)",
        "2025_eps.csv",
    }
    # The page's audit row, written the way pages/import.py writes it.
    journaliser(
        "import",
        Utilisateur("admin", "Administratrice", "administration"),
        chemin=administration,
        **entree_journal(rapport, PRE, 2025),
    )
    with duckdb.connect(str(base_vide), read_only=True) as con:
        lots = con.execute(
            "select type_fichier, fichier, empreinte_nom from lot_import order by type_fichier"
        ).fetchall()
        intitule = con.execute(
            "select intitule from fiche_action where numero = 'pre-90001-2025-FA01'"
        ).fetchone()[0]
    assert [(t, f) for t, f, _ in lots] == [
        ("eps", "Réunions des EPS (fichier CSV)"),
        ("fiches_action", "Fiches-action (fichier CSV)"),
        ("financements", "Financements des fiches-action (fichier CSV)"),
        ("gouvernance", "Réunions de gouvernance (fichier CSV)"),
    ]
    assert all(e.startswith("N-") and len(e) == 26 for _, _, e in lots)
    assert intitule == masque(places[0][3]["texte"], CLE)
    journal = lire_journal(chemin=administration)
    assert journal[0]["objet"] == ", ".join(rapport.libelles)

    textes = _textes_en_base(base_vide)
    octets = _octets(base_vide.parent)
    assert set(octets) >= {"pre.duckdb", "administration.sqlite"}
    # The scan sees what is stored: the neutral labels and masks are found in the bytes.
    assert b"Fiches-action (fichier CSV)" in octets["pre.duckdb"]
    assert intitule.encode() in octets["pre.duckdb"]
    administration_octets = b"".join(c for n, c in octets.items() if n.startswith("admin"))
    assert "Réunions des EPS (fichier CSV)".encode() in administration_octets
    for secret in SECRETS:
        assert secret not in textes, secret
        for nom, contenu in octets.items():
            assert secret.encode() not in contenu, (secret, nom)


def _lignes_par_table(con) -> dict[str, int]:
    tables = [
        t
        for (t,) in con.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
        ).fetchall()
    ]
    return {t: con.table(t).aggregate("count(*)").fetchall()[0][0] for t in tables}


def test_la_migration_efface_les_noms_de_fichiers_deja_enregistres(chemin_demo, tmp_path):
    """A base of an earlier version, whose lot_import holds file names in clear."""
    chemin = tmp_path / "ancienne.duckdb"
    shutil.copy(chemin_demo, chemin)
    with duckdb.connect(str(chemin)) as con:
        con.execute("delete from schema_version where version = 58")
        con.execute("alter table lot_import drop column empreinte_nom")
        con.execute(
            "insert into lot_import values"
            " ('l1', ?, 'fiches_action', 2025, ?, 'e1', 30, '2025-11-30 10:00:00', 'admin'),"
            " ('l2', ?, 'beneficiaires', 2025, ?, 'e2', 590, '2025-11-30 10:00:00', 'admin')",
            [PRE, NOM_SEUL, PRE, "Marie_DURAND_enfants.xlsx"],
        )
        lignes = _lignes_par_table(con)
        macros = con.execute(
            "select count(*) from duckdb_functions() where not internal"
        ).fetchone()[0]
    assert b"Dupont_Lucas" in chemin.read_bytes()  # the scan below can fail
    assert db.migrer_fichier(chemin) == [58]
    with duckdb.connect(str(chemin), read_only=True) as con:
        assert con.execute(
            "select lot_id, fichier, empreinte_nom from lot_import order by lot_id"
        ).fetchall() == [
            ("l1", "Fiches-action (fichier CSV)", None),
            ("l2", "Enfants et parcours (fichier XLSX)", None),
        ]
        # The rewritten file holds the same rows, macros and schema version.
        assert _lignes_par_table(con) == lignes | {
            "main.schema_version": lignes["main.schema_version"] + 1
        }
        assert (
            con.execute("select count(*) from duckdb_functions() where not internal").fetchone()[0]
            == macros
        )
        assert db.version_schema(con) == max(n for n, _, _ in db.migrations_disponibles())
    octets = b"".join(f.read_bytes() for f in tmp_path.iterdir() if f.is_file())
    for secret in (b"Dupont_Lucas", b"Marie_DURAND", b"12-03-2015"):
        assert secret not in octets
    assert sorted(f.name for f in tmp_path.iterdir()) == ["ancienne.duckdb"]


def test_le_nom_et_la_structure_porteuse_du_programme_sont_controles(base_vide):
    from pre_pilotage.importation import ouvrir
    from pre_pilotage.importation import programme as module

    with ouvrir(base_vide, lecture_seule=True) as con:
        p = module.lire(con, PRE)
    p.equipe, p.annees = {}, [2025]
    p.porteur = "CCAS – contact Mme Ozanne 06/12/34/56/78"
    p.nom = "PRE – référente Lina OZANNE née le 4 juillet 1985"
    with pytest.raises(module.ProgrammeInvalide) as exc:
        module.enregistrer(base_vide, p, creation=False)
    assert exc.value.erreurs == [
        "Nom du programme : ce texte contient une date de naissance ; une donnée personnelle "
        "n'a pas sa place dans un tableau de bord, écrivez le nom de la structure seulement.",
        "Structure porteuse : ce texte contient un numéro de téléphone ; une donnée personnelle "
        "n'a pas sa place dans un tableau de bord, écrivez le nom de la structure seulement.",
    ]
    assert "ozanne" not in _textes_en_base(base_vide).lower()


def test_un_identifiant_pseudonymise_n_est_pas_repete_dans_un_message(base_vide, exemples):
    """A parcours id is pseudonymised, not refused; an error about it never repeats it."""
    entetes, actions = _lire(exemples / "2025_actions.csv")
    actions = actions[:2]
    actions[0][entetes.index("identifiant_parcours")] = "Kévin LEMARCHAL né le 12/03/2015"
    for action in actions:  # no fiche-action in the base either
        action[entetes.index("fiche_action")] = ""
    rapport = importer(
        base_vide, [Fichier("2025_actions.csv", _ecrire(entetes, actions))], PRE, 2025, CLE
    )
    # The base has no parcours yet: both rows are refused, the first without its value.
    assert [(e.ligne, e.colonne, e.valeur) for e in rapport.erreurs] == [
        (2, "identifiant_parcours", VALEUR_MASQUEE),
        (3, "identifiant_parcours", actions[1][entetes.index("identifiant_parcours")]),
    ]
    assert "LEMARCHAL" not in repr(rapport)
