"""Accounts, roles and the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest
from streamlit.testing.v1 import AppTest

from pre_pilotage import comptes, config, protection
from pre_pilotage.administration import Utilisateur, journaliser, lire_journal


@pytest.fixture
def chemin(tmp_path):
    return tmp_path / "administration.sqlite"


def test_mot_de_passe_jamais_en_clair(chemin):
    comptes.enregistrer_compte(
        "coordinatrice", "Coordinatrice", "coordination", "un mot de passe long", chemin=chemin
    )
    with sqlite3.connect(chemin) as con:
        contenu = "\n".join(str(r) for r in con.execute("select * from compte"))
    assert "un mot de passe long" not in contenu and "scrypt$" in contenu
    utilisateur, message = comptes.authentifier(
        "coordinatrice", "un mot de passe long", chemin=chemin, pause=0
    )
    assert utilisateur == Utilisateur("coordinatrice", "Coordinatrice", "coordination")
    assert message is None
    assert comptes.authentifier("coordinatrice", "mauvais", chemin=chemin, pause=0) == (
        None,
        comptes.MESSAGE_ECHEC,
    )
    assert comptes.MESSAGE_ECHEC.startswith("Identifiant ou mot de passe incorrect.")
    assert comptes.authentifier("inconnu", "x", chemin=chemin, pause=0)[0] is None


def test_mot_de_passe_trop_court_refuse(chemin):
    with pytest.raises(ValueError, match="12 caractères"):
        comptes.enregistrer_compte("x", "X", "lecture", "court", chemin=chemin)
    with pytest.raises(ValueError, match="Rôle inconnu"):
        comptes.enregistrer_compte("x", "X", "super", "un mot de passe long", chemin=chemin)


def test_blocage_apres_echecs_par_source(chemin):
    comptes.enregistrer_compte("elu", "Élu", "lecture", "un mot de passe long", chemin=chemin)
    for _ in range(comptes.ECHECS_AVANT_BLOCAGE):
        comptes.authentifier("elu", "faux", chemin=chemin, pause=0, source="10.0.0.66")
    # The right password from the guessing source is refused, with the usual answer…
    assert comptes.authentifier(
        "elu", "un mot de passe long", chemin=chemin, pause=0, source="10.0.0.66"
    ) == (None, comptes.MESSAGE_ECHEC)
    # …but the élue, from her own computer, is not locked out by a stranger.
    utilisateur, _ = comptes.authentifier(
        "elu", "un mot de passe long", chemin=chemin, pause=0, source="10.0.0.7"
    )
    assert utilisateur == Utilisateur("elu", "Élu", "lecture")


def test_meme_reponse_et_meme_travail_compte_connu_ou_non(chemin, monkeypatch):
    comptes.enregistrer_compte("elu", "Élu", "lecture", "un mot de passe long", chemin=chemin)
    comptes.enregistrer_compte("parti", "Parti", "lecture", "un mot de passe long", chemin=chemin)
    with closing(sqlite3.connect(chemin)) as con, con:
        con.execute("update compte set actif = 0 where identifiant = 'parti'")
    for _ in range(comptes.ECHECS_AVANT_BLOCAGE):
        comptes.authentifier("elu", "faux", chemin=chemin, pause=0, source="a")
    comptes._empreinte_factice()  # computed once, before counting
    calculs = []
    scrypt = hashlib.scrypt
    monkeypatch.setattr(
        comptes.hashlib, "scrypt", lambda *a, **k: calculs.append(1) or scrypt(*a, **k)
    )
    reponses = {}
    for cas, (identifiant, source) in {
        "inconnu": ("personne", "a"),
        "connu": ("elu", "b"),
        "désactivé": ("parti", "a"),
        "suspendu": ("elu", "a"),
    }.items():
        avant = len(calculs)
        reponses[cas] = comptes.authentifier(
            identifiant, "faux", chemin=chemin, pause=0, source=source
        )
        assert len(calculs) - avant == 1, cas  # one scrypt computation, whatever the case
    assert set(reponses.values()) == {(None, comptes.MESSAGE_ECHEC)}


def test_tentatives_simultanees_comptees_et_memoire_bornee(chemin, monkeypatch):
    comptes.enregistrer_compte("elu", "Élu", "lecture", "un mot de passe long", chemin=chemin)
    comptes._empreinte_factice()
    en_cours, maximum = [0], [0]
    verrou = threading.Lock()
    scrypt = hashlib.scrypt

    def compte_les_calculs(*a, **k):
        with verrou:
            en_cours[0] += 1
            maximum[0] = max(maximum[0], en_cours[0])
        try:
            return scrypt(*a, **k)
        finally:
            with verrou:
                en_cours[0] -= 1

    monkeypatch.setattr(comptes.hashlib, "scrypt", compte_les_calculs)
    with ThreadPoolExecutor(max_workers=12) as fils:
        reponses = list(
            fils.map(
                lambda i: comptes.authentifier(
                    "elu", f"essai {i}", chemin=chemin, pause=0, source="10.0.0.66"
                ),
                range(12),
            )
        )
    assert all(r == (None, comptes.MESSAGE_ECHEC) for r in reponses)
    with closing(sqlite3.connect(chemin)) as con:
        assert con.execute("select echecs from tentative_connexion").fetchall() == [(12,)]
    # Two computations of 128 MiB at most at once.
    assert maximum[0] == comptes.CALCULS_SIMULTANES == 2


def test_un_flot_d_echecs_ne_noie_pas_le_journal(chemin, monkeypatch):
    monkeypatch.setattr(comptes, "verifier", lambda mot_de_passe, empreinte: False)
    journaliser(
        "import",
        Utilisateur("admin", "A", "administration"),
        objet="2025_equipe.csv",
        chemin=chemin,
    )
    journaliser(
        "export", Utilisateur("coord", "C", "coordination"), objet="carte.png", chemin=chemin
    )
    for i in range(2_000):
        comptes.authentifier(f"x{i}" + "y" * 5_000, "z", chemin=chemin, pause=0, source="robot")
    journal = lire_journal(chemin=chemin)
    echecs = [j for j in journal if j["action"] == "echec_connexion"]
    assert len(echecs) == comptes.ECHECS_JOURNALISES_PAR_SOURCE + 1
    assert echecs[0]["objet"] == "(tentatives répétées)"
    assert max(len(j["objet"]) for j in echecs) == comptes.LONGUEUR_MAX_IDENTIFIANT
    assert [(j["action"], j["objet"]) for j in journal[-2:]] == [
        ("export", "carte.png"),
        ("import", "2025_equipe.csv"),
    ]


def test_journal_d_audit(chemin):
    comptes.enregistrer_compte("elu", "Élu", "lecture", "un mot de passe long", chemin=chemin)
    comptes.authentifier("elu", "un mot de passe long", chemin=chemin, pause=0)
    comptes.authentifier("elu", "faux", chemin=chemin, pause=0)
    journaliser(
        "export",
        Utilisateur("coord", "Coord", "coordination"),
        objet="graphique",
        filtres={"annee": 2025, "commune": "96003"},
        chemin=chemin,
    )
    journal = lire_journal(chemin=chemin)
    assert [(j["action"], j["identifiant"], j["objet"]) for j in journal] == [
        ("export", "coord", "graphique"),
        ("echec_connexion", None, "elu"),
        ("connexion", "elu", None),
        ("compte", "ligne de commande", "elu"),
    ]
    # By kind and by day.
    assert [j["action"] for j in lire_journal(chemin=chemin, actions=["export", "compte"])] == [
        "export",
        "compte",
    ]
    aujourd_hui = dt.date.today()
    assert len(lire_journal(chemin=chemin, depuis=aujourd_hui, jusqu_a=aujourd_hui)) == 4
    hier = aujourd_hui - dt.timedelta(days=1)
    assert lire_journal(chemin=chemin, depuis=hier, jusqu_a=hier) == []
    assert journal[0]["filtres"] == '{"annee": 2025, "commune": "96003"}'
    with sqlite3.connect(chemin) as con, pytest.raises(sqlite3.DatabaseError, match="modifié"):
        con.execute("delete from journal_audit")


@pytest.fixture
def application(chemin_fixture, monkeypatch):
    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    from pre_pilotage.requetes import vider_caches

    vider_caches()
    return AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)


def test_sans_session_la_page_de_connexion(application, administration_isolee):
    comptes.enregistrer_compte("admin", "Admin", "administration", "un mot de passe long")
    at = application.run()
    assert [t.value for t in at.title] == ["Connexion"]
    assert not at.metric  # no figure before signing in
    at.text_input[0].input("admin")
    at.text_input[1].input("un mot de passe long")
    at.button[0].click().run()
    assert [t.value for t in at.title] == ["Synthèse"]


@pytest.mark.parametrize(
    ("role", "autorise"), [("lecture", False), ("coordination", False), ("administration", True)]
)
def test_import_reserve_a_l_administration(application, monkeypatch, role, autorise):
    monkeypatch.setenv("PRE_CLE_PSEUDONYMISATION", "cle-de-test-assez-longue")
    application.session_state["utilisateur"] = Utilisateur("u", "U", role)
    at = application.run()
    at.switch_page("pages/import.py").run()
    assert not at.exception
    refuse = any("Accès refusé" in e.value for e in at.error)
    assert refuse is not autorise
    assert (len(at.get("file_uploader")) > 0) is autorise


@pytest.fixture(scope="module")
def base_seuil_5(chemin_fixture, tmp_path_factory):
    """The fixture is protected for the default threshold only: a copy protected for both
    thresholds in use (5 for coordination, 11 for lecture), as an administrator would."""
    chemin = tmp_path_factory.mktemp("seuil-5") / "seuil-5.duckdb"
    shutil.copy(chemin_fixture, chemin)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PRE_SEUIL_SECRET", "5")
        assert sorted(protection.proteger_fichier(chemin)) == [5, 11]
    return chemin


def test_seuil_du_role_lecture(application, base_seuil_5, monkeypatch):
    monkeypatch.setenv("PRE_SEUIL_SECRET", "5")
    monkeypatch.setenv("PRE_BASE", str(base_seuil_5))
    application.session_state["utilisateur"] = Utilisateur("u", "U", "coordination")
    application.query_params["qpv"] = "QN09691N"
    application.query_params["annee"] = "2024"
    at = application.run()
    # Beta Sud has 4 children in 2024: masked for everybody, threshold 5 or 11. At threshold 5
    # the protection widens it to « s »: its « < 5 » bound, with the figures shown at that
    # threshold, would leave fewer than 5 possible values for another small count.
    assert {m.label: m.value for m in at.metric}["Enfants accompagnés"] == "s"
    lecture = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
    lecture.session_state["utilisateur"] = Utilisateur("e", "E", "lecture")
    lecture.query_params["qpv"] = "QN09691N"
    lecture.query_params["annee"] = "2024"
    at = lecture.run()
    assert {m.label: m.value for m in at.metric}["Enfants accompagnés"] == "< 11"


def test_documents_pour_les_elus_au_seuil_de_11(application, base_seuil_5, monkeypatch):
    """The Rapport is made at the élus' floor (11) even for a coordination threshold of 5;
    the team's threshold only for an internal document, which says so."""
    monkeypatch.setenv("PRE_SEUIL_SECRET", "5")
    monkeypatch.setenv("PRE_BASE", str(base_seuil_5))
    application.session_state["utilisateur"] = Utilisateur("u", "U", "coordination")
    application.query_params["annee"] = "2024"
    application.query_params["qpv"] = "QN09691N"
    at = application.run()
    at.switch_page("pages/rapport.py").run()
    assert not at.exception
    apercu = " ".join(m.value for m in at.markdown)
    # « moins de 5 % » or « 50 % » (Cité thresholds) are not a threshold of 5 children.
    assert "moins de 11" in apercu
    assert not re.search(r"(moins de|<) 5(?!\d|\s?%)", apercu)
    interne = at.checkbox(key="rapport_interne")
    assert interne.label == "Document interne à l'équipe (seuil de 5 enfants au lieu de 11)"
    assert interne.value is False and not at.warning
    interne.check().run()
    assert [w.value for w in at.warning] == [
        "Document interne à l'équipe du PRE, établi au seuil de 5 enfants : à ne pas diffuser "
        "aux élus, aux comités ni aux partenaires."
    ]
    apercu = " ".join(m.value for m in at.markdown)
    assert "moins de 11" not in apercu
    # The survey workbook's button has the same choice.
    at.switch_page("pages/publics.py").run()
    assert not at.exception
    assert at.checkbox(key="enquete_interne").value is False


def test_page_du_journal_en_francais(application, monkeypatch):
    journaliser(
        "export",
        Utilisateur("coord", "Coord", "coordination"),
        objet="carte.png",
        filtres={"annee": 2025, "commune": "96901"},
    )
    application.session_state["utilisateur"] = Utilisateur("admin", "A", "administration")
    at = application.run()
    at.switch_page("pages/administration.py").run()
    assert not at.exception
    tableau = at.dataframe[-1].value
    ligne = tableau.row(0, named=True) if hasattr(tableau, "row") else tableau.iloc[0].to_dict()
    assert ligne["Action"] == "Export" and ligne["Rôle"] == "coordination (équipe du PRE)"
    assert ligne["Filtres"] == "année 2025 · commune 96901"
    assert re.fullmatch(r"\d\d/\d\d/20\d\d \d\d:\d\d", ligne["Date et heure"])
    # A change of account made on this page names its author.
    comptes.enregistrer_compte(
        "elu2",
        "Élu",
        "lecture",
        "un mot de passe long",
        auteur=Utilisateur("admin", "A", "administration"),
    )
    assert lire_journal(actions=["compte"])[0]["identifiant"] == "admin"


def test_adresse_du_client_derriere_un_proxy_de_confiance(monkeypatch):
    monkeypatch.delenv("PRE_PROXYS_DE_CONFIANCE", raising=False)
    # No trusted proxy: X-Forwarded-For is ignored (a client could write anything in it).
    assert comptes.adresse_client("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert comptes.adresse_client(None, None) == "inconnue"
    assert comptes.adresse_client("pas une adresse", None) == "inconnue"
    monkeypatch.setenv("PRE_PROXYS_DE_CONFIANCE", "127.0.0.1, 10.0.0.0/8")
    # The right-most address that is not a trusted proxy; entries to its left may be forged.
    assert comptes.adresse_client("127.0.0.1", "198.51.100.1") == "198.51.100.1"
    assert comptes.adresse_client("127.0.0.1", "1.2.3.4, 198.51.100.1, 10.0.0.5") == (
        "198.51.100.1"
    )
    # A client that is not the proxy cannot choose its address.
    assert comptes.adresse_client("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    # Garbage in the header: the last good address seen.
    assert comptes.adresse_client("127.0.0.1", "n'importe quoi") == "127.0.0.1"
    monkeypatch.setenv("PRE_PROXYS_DE_CONFIANCE", "10.0.0.0/33")
    with pytest.raises(ValueError, match="PRE_PROXYS_DE_CONFIANCE : « 10.0.0.0/33 »"):
        comptes.adresse_client("127.0.0.1", None)
