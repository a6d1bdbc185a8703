"""Downloads: made and audited on request, then served only to their owner for a few minutes.

Unit tests of pre_pilotage/telechargements.py: the registry, the production wrapped around every
download's data, and the ASGI middleware that lanceur.py puts in front of `/media/`. The browser
test is tests/test_telechargements_session_navigateur.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from contextlib import closing

import pytest
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from pre_pilotage import comptes, sessions, telechargements
from pre_pilotage.administration import Utilisateur, connexion, lire_journal
from pre_pilotage.telechargements import GardeTelechargements, Production, Registre

MOT_DE_PASSE = "un mot de passe assez long"
COORD = Utilisateur("coord", "Coordinatrice", "coordination")
T0 = 1_800_000_000.0
DIX_MINUTES = dt.timedelta(minutes=10)


@pytest.fixture
def magasin(tmp_path, monkeypatch):
    """An administration store of its own, with a coordination account."""
    chemin = tmp_path / "administration.sqlite"
    monkeypatch.setenv("PRE_ADMINISTRATION", str(chemin))
    monkeypatch.delenv("PRE_CLE_SESSION", raising=False)
    monkeypatch.delenv("PRE_DUREE_TELECHARGEMENT_MINUTES", raising=False)
    comptes.enregistrer_compte("coord", "Coordinatrice", "coordination", MOT_DE_PASSE)
    return chemin


def exports() -> list[dict]:
    return [ligne for ligne in lire_journal(100) if ligne["action"] == "export"]


# ------------------------------------------------------------------------------ lifetime


def test_duree_par_defaut_et_reglable(monkeypatch):
    monkeypatch.delenv("PRE_DUREE_TELECHARGEMENT_MINUTES", raising=False)
    assert telechargements.duree_telechargement() == DIX_MINUTES
    monkeypatch.setenv("PRE_DUREE_TELECHARGEMENT_MINUTES", "2,5")
    assert telechargements.duree_telechargement() == dt.timedelta(seconds=150)
    for invalide in ("0", "-3", "dix", "2000"):
        monkeypatch.setenv("PRE_DUREE_TELECHARGEMENT_MINUTES", invalide)
        with pytest.raises(sessions.ConfigurationSession) as erreur:
            telechargements.duree_telechargement()
        assert str(erreur.value) == (
            "PRE_DUREE_TELECHARGEMENT_MINUTES doit être un nombre de minutes entre 0 et 1440 "
            f"(valeur reçue : « {invalide} »)."
        )


# ------------------------------------------------------------------------------ registry


def test_registre_proprietaire_et_duree():
    registre = Registre()
    elle, voisine = ("session", "7"), ("session", "8")
    registre.enregistrer("f1", elle, maintenant=T0, duree=DIX_MINUTES)
    assert registre.connu("f1") and not registre.connu("f2")
    assert registre.autorise("f1", {elle}, maintenant=T0 + 599)
    assert not registre.autorise("f1", {voisine}, maintenant=T0 + 1)
    assert not registre.autorise("f1", set(), maintenant=T0 + 1)
    assert not registre.autorise("f1", {elle}, maintenant=T0 + 600)
    # Same bytes made by a second session: both own the file, each for its own lifetime.
    registre.enregistrer("f1", voisine, maintenant=T0 + 300, duree=DIX_MINUTES)
    assert registre.autorise("f1", {voisine}, maintenant=T0 + 899)
    assert not registre.autorise("f1", {elle}, maintenant=T0 + 600)
    # A file made for no known owner is known, and refused to everyone.
    registre.enregistrer("f3", None, maintenant=T0, duree=DIX_MINUTES)
    assert registre.connu("f3") and not registre.autorise("f3", {elle}, maintenant=T0)
    # Expired rights are dropped at the next registration.
    registre.enregistrer("f4", elle, maintenant=T0 + 10_000, duree=DIX_MINUTES)
    assert not registre.connu("f1") and not registre.connu("f3") and registre.connu("f4")


# ----------------------------------------------------------------------------- production


def production(donnees, registre, proprietaire=("navigateur", "abc"), utilisateur=COORD, **autres):
    return Production(
        donnees,
        nom="budget-2025.csv",
        mime="text/csv",
        objet="budget-2025.csv",
        utilisateur=utilisateur,
        proprietaire=proprietaire,
        filtres={"annee": 2025, "commune": None},
        details={"format": "csv"},
        registre=registre,
        **autres,
    )


def test_une_production_une_ligne_du_journal_et_un_droit(magasin):
    registre = Registre()
    appels = []

    def fabriquer() -> str:
        appels.append(1)
        return "Financeur;Prévu (€)\r\nÉtat;1000\r\n"

    fabrique = production(fabriquer, registre)
    assert exports() == []  # drawing the button makes nothing and writes nothing
    donnees = fabrique()
    assert donnees == "Financeur;Prévu (€)\r\nÉtat;1000\r\n".encode()
    assert appels == [1]
    journal = exports()
    assert [
        (
            j["identifiant"],
            j["role"],
            j["objet"],
            json.loads(j["filtres"]),
            json.loads(j["details"]),
        )
        for j in journal
    ] == [
        (
            "coord",
            "coordination",
            "budget-2025.csv",
            {"annee": 2025, "commune": None},
            {"format": "csv"},
        )
    ]
    # The id registered is the one Streamlit's media storage gives the same bytes.
    stockage = MemoryMediaFileStorage("/media")
    identifiant = stockage.load_and_get_id(
        donnees, "text/csv", MediaFileKind.DOWNLOADABLE, "budget-2025.csv"
    )
    assert registre.autorise(identifiant, {("navigateur", "abc")})
    assert not registre.autorise(identifiant, {("navigateur", "autre")})
    # Asked again: made again, audited again.
    fabrique()
    assert len(exports()) == 2 and appels == [1, 1]


def test_production_qui_echoue_ne_laisse_ni_ligne_ni_droit(magasin):
    registre = Registre()

    def casse() -> bytes:
        raise RuntimeError("LibreOffice absent")

    with pytest.raises(RuntimeError):
        production(casse, registre)()
    assert exports() == []
    assert registre._droits == {}


def changer_role(role: str) -> None:
    """An administrator's change of role, as the accounts store keeps it (sessions stay open)."""
    with closing(connexion()) as con:
        con.execute("update compte set role = ? where identifiant = 'coord'", (role,))


def test_session_fermee_ou_role_abaisse_ne_produit_plus(magasin):
    registre = Registre()
    numero, _ = sessions.creer(COORD)
    fabrique = production(b"contenu", registre, proprietaire=("session", str(numero)))
    assert fabrique() == b"contenu" and len(exports()) == 1
    # The role read at production time, not the one of the page drawn earlier.
    changer_role("lecture")
    with pytest.raises(telechargements.TelechargementRefuse) as erreur:
        fabrique()
    assert str(erreur.value) == (
        "Téléchargement refusé : la session est fermée ou son rôle ne le permet plus."
    )
    changer_role("coordination")
    assert fabrique() == b"contenu" and len(exports()) == 2
    sessions.fermer(numero)
    with pytest.raises(telechargements.TelechargementRefuse):
        fabrique()
    assert len(exports()) == 2
    # The audit-log export needs the administration role, even for an open session.
    with pytest.raises(telechargements.TelechargementRefuse):
        production(b"x", registre, proprietaire=None, role_minimum="administration")()
    with pytest.raises(telechargements.TelechargementRefuse):
        production(b"x", registre, proprietaire=None, utilisateur=None)()


# ------------------------------------------------------------------------------ middleware


async def _application(scope, receive, send):
    """Streamlit's server, as far as the middleware sees it."""
    type_ = b"text/html; charset=utf-8" if not scope["path"].startswith("/media/") else b"text/csv"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", type_), (b"cache-control", b"max-age=3600")],
        }
    )
    await send({"type": "http.response.body", "body": b"contenu"})


def demander(garde, chemin: str, cookies: dict[str, str] | None = None, type_="http"):
    scope = {
        "type": type_,
        "method": "GET",
        "path": chemin,
        "scheme": "http",
        "headers": [(b"host", b"pre.exemple.fr")]
        + (
            [(b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode())]
            if cookies
            else []
        ),
    }
    messages = []

    async def recevoir():
        return {"type": "http.request", "body": b""}

    async def envoyer(message):
        messages.append(message)

    asyncio.run(garde(scope, recevoir, envoyer))
    debut = messages[0]
    entetes = {}
    for cle, valeur in debut.get("headers", []):
        entetes.setdefault(cle.decode(), []).append(valeur.decode())
    return debut["status"], b"".join(m.get("body", b"") for m in messages[1:]), entetes


@pytest.fixture
def garde():
    registre = Registre()
    telechargeables = {"tele.csv", "jamais-demande.csv"}
    return registre, GardeTelechargements(
        _application, registre=registre, telechargeable=telechargeables.__contains__
    )


def test_media_servi_au_seul_proprietaire(magasin, garde):
    registre, garde = garde
    numero, jeton = sessions.creer(COORD)
    cookie_session, _ = sessions.echanger_jeton(jeton)
    numero_voisine, jeton_voisine = sessions.creer(COORD)
    cookie_voisine, _ = sessions.echanger_jeton(jeton_voisine)
    registre.enregistrer("tele", ("session", str(numero)))

    statut, corps, entetes = demander(garde, "/media/tele.csv", {"pre_session": cookie_session})
    assert (statut, corps) == (200, b"contenu")
    assert entetes["cache-control"] == ["private, no-store"]
    refus = telechargements.REFUS.encode()
    for cookies in ({"pre_session": cookie_voisine}, {}, {"pre_session": "faux.1.cookie"}):
        statut, corps, entetes = demander(garde, "/media/tele.csv", cookies)
        assert (statut, corps) == (403, refus)
        assert entetes["content-type"] == ["text/plain; charset=utf-8"]
    # A download never registered (a button outside telechargements.bouton): refused.
    assert demander(garde, "/media/jamais-demande.csv", {"pre_session": cookie_session})[0] == 403
    # Images and other media of the page are not downloads: served as Streamlit serves them.
    assert demander(garde, "/media/image.png")[:2] == (200, b"contenu")
    # Signed out: the session's file is refused to its own cookie.
    sessions.fermer(numero)
    assert demander(garde, "/media/tele.csv", {"pre_session": cookie_session})[0] == 403


def test_media_lie_au_navigateur_sans_connexion(garde, monkeypatch):
    registre, garde = garde
    registre.enregistrer(
        "tele", ("navigateur", telechargements.empreinte_navigateur("jeton-a")), maintenant=T0
    )
    monkeypatch.setattr(telechargements.time, "time", lambda: T0 + 60)
    assert demander(garde, "/media/tele.csv", {"pre_navigateur": "jeton-a"})[0] == 200
    assert demander(garde, "/media/tele.csv", {"pre_navigateur": "jeton-b"})[0] == 403
    # Ten minutes later, even its own browser is refused.
    monkeypatch.setattr(telechargements.time, "time", lambda: T0 + 601)
    assert demander(garde, "/media/tele.csv", {"pre_navigateur": "jeton-a"})[0] == 403


def test_cookie_du_navigateur_pose_sur_les_pages(garde):
    _, garde = garde
    statut, _, entetes = demander(garde, "/synthese")
    assert statut == 200
    (cookie,) = entetes["set-cookie"]
    nom, reste = cookie.split("=", 1)
    valeur, *attributs = reste.split("; ")
    assert nom == "pre_navigateur" and len(valeur) >= 40
    assert attributs == ["Path=/", "HttpOnly", "SameSite=Lax"]
    # Already set: not replaced; not on files; websockets pass through untouched.
    assert "set-cookie" not in demander(garde, "/synthese", {"pre_navigateur": valeur})[2]
    assert "set-cookie" not in demander(garde, "/media/image.png")[2]
    assert demander(garde, "/_stcore/stream", type_="websocket")[0] == 200


# ------------------------------------------------------------------------ in the pages


def test_export_du_journal_fabrique_a_la_demande(magasin, chemin_fixture, monkeypatch):
    """The audit-log CSV, whose bytes used to sit in the page: made and audited on request."""
    from streamlit.testing.v1 import AppTest

    from pre_pilotage import config
    from pre_pilotage.requetes import vider_caches

    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    vider_caches()
    at = AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)
    at.session_state["utilisateur"] = Utilisateur("admin", "Administratrice", "administration")
    at.run()
    at.switch_page("pages/administration.py").run()
    assert not at.exception
    libelle = "Exporter le journal affiché (CSV)"
    assert libelle in [b.label for b in at.get("download_button")]
    assert exports() == []
    fichier = at.session_state[telechargements.CLE_PRODUCTIONS][libelle]()
    lignes = fichier.decode("utf-8-sig").splitlines()
    assert lignes[0] == "horodatage;identifiant;role;action;objet;filtres;details"
    assert [ligne.split(";")[1:5] for ligne in lignes[1:]] == [
        ["ligne de commande", "–", "Compte modifié", "coord"]
    ]
    (ligne,) = exports()
    assert (ligne["identifiant"], ligne["role"], ligne["objet"]) == (
        "admin",
        "administration",
        "journal d'audit",
    )
    assert set(json.loads(ligne["details"])) == {"actions", "periode"}
