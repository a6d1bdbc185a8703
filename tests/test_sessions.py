"""Sessions that hold: the signed cookie, its server-side session and the routes that set it."""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import stat
import time
from contextlib import closing

import pytest
from streamlit.testing.v1 import AppTest

from pre_pilotage import comptes, config, sessions
from pre_pilotage.administration import Utilisateur, connexion

MOT_DE_PASSE = "un mot de passe assez long"
CLE = b"une-cle-de-signature-de-test-de-32-caracteres-ou-plus"


@pytest.fixture
def chemin(tmp_path, monkeypatch):
    monkeypatch.delenv("PRE_CLE_SESSION", raising=False)
    monkeypatch.delenv("PRE_DUREE_SESSION_HEURES", raising=False)
    monkeypatch.delenv("PRE_INACTIVITE_MINUTES", raising=False)
    chemin = tmp_path / "administration.sqlite"
    comptes.enregistrer_compte("elu", "Élu", "lecture", MOT_DE_PASSE, chemin=chemin)
    return chemin


ELU = Utilisateur("elu", "Élu", "lecture")


def modifier_compte(chemin, changement: str) -> None:
    """What an administrator's change of the account leaves in the accounts store."""
    with closing(connexion(chemin)) as con:
        con.execute(f"update compte set {changement} where identifiant = 'elu'")  # noqa: S608


def ouvrir(chemin, maintenant=None) -> tuple[int, str]:
    """A signed-in session and its cookie value, as the browser would get them."""
    numero, jeton = sessions.creer(ELU, chemin, maintenant)
    valeur, _ = sessions.echanger_jeton(jeton, chemin, maintenant)
    return numero, valeur


def test_signature_et_expiration_du_cookie():
    maintenant = 1_800_000_000
    valeur = sessions.signer("secret-de-session", maintenant + 60, CLE)
    assert sessions.lire_cookie(valeur, CLE, maintenant) == "secret-de-session"
    secret, expire, signature = valeur.split(".")
    # Tampered secret, expiry or signature; another key; expired; not a cookie of ours.
    assert sessions.lire_cookie(f"autre-secret.{expire}.{signature}", CLE, maintenant) is None
    assert sessions.lire_cookie(f"{secret}.{int(expire) + 3600}.{signature}", CLE, maintenant) is (
        None
    )
    assert sessions.lire_cookie(f"{secret}.{expire}.{signature[:-2]}AA", CLE, maintenant) is None
    assert sessions.lire_cookie(valeur, CLE[::-1], maintenant) is None
    assert sessions.lire_cookie(valeur, CLE, maintenant + 60) is None
    for invalide in ("", "abc", "a.b.c", "a.-5.c", f"{valeur}.x"):
        assert sessions.lire_cookie(invalide, CLE, maintenant) is None


def test_le_cookie_ouvre_la_session_avec_le_compte_du_moment(chemin):
    numero, valeur = ouvrir(chemin)
    assert sessions.session_du_cookie(valeur, chemin) == (numero, ELU)
    # A changed role takes effect at the next check; a disabled account is refused.
    modifier_compte(chemin, "role = 'coordination'")
    assert sessions.session_du_cookie(valeur, chemin)[1].role == "coordination"
    assert sessions.utilisateur_de_session(numero, chemin).role == "coordination"
    modifier_compte(chemin, "actif = 0")
    assert sessions.session_du_cookie(valeur, chemin) is None
    assert sessions.utilisateur_de_session(numero, chemin) is None


def test_la_deconnexion_tue_le_cookie_cote_serveur(chemin):
    numero, valeur = ouvrir(chemin)
    autre_numero, autre = ouvrir(chemin)
    sessions.fermer(numero, chemin)
    assert sessions.session_du_cookie(valeur, chemin) is None
    assert sessions.utilisateur_de_session(numero, chemin) is None
    # Other sessions of the same account (another browser) stay open.
    assert sessions.session_du_cookie(autre, chemin) == (autre_numero, ELU)
    sessions.fermer_par_cookie(autre, chemin)
    assert sessions.session_du_cookie(autre, chemin) is None


def test_un_nouveau_mot_de_passe_ferme_les_sessions(chemin):
    _, valeur = ouvrir(chemin)
    comptes.enregistrer_compte("elu", "Élu", "lecture", "un autre mot de passe", chemin=chemin)
    assert sessions.session_du_cookie(valeur, chemin) is None


def test_le_jeton_sert_une_fois_et_une_minute(chemin):
    maintenant = time.time()
    _, jeton = sessions.creer(ELU, chemin, maintenant)
    valeur, max_age = sessions.echanger_jeton(jeton, chemin, maintenant)
    assert max_age == 8 * 3600
    assert sessions.echanger_jeton(jeton, chemin, maintenant) is None  # single use
    _, tardif = sessions.creer(ELU, chemin, maintenant)
    assert sessions.echanger_jeton(tardif, chemin, maintenant + 61) is None
    numero, ferme = sessions.creer(ELU, chemin, maintenant)
    sessions.fermer(numero, chemin)
    assert sessions.echanger_jeton(ferme, chemin, maintenant) is None
    assert sessions.echanger_jeton("", chemin) is None
    # Neither the token nor the cookie's secret is stored, only their SHA-256.
    with sqlite3.connect(chemin) as con:
        contenu = "\n".join(str(r) for r in con.execute("select * from session_connexion"))
    assert jeton not in contenu and tardif not in contenu
    assert valeur.split(".")[0] not in contenu


def test_expiration_cote_serveur_et_duree_configurable(chemin, monkeypatch):
    maintenant = time.time()
    numero, valeur = ouvrir(chemin, maintenant)
    # Used every 50 minutes: the idle limit (60 minutes) is never reached before 8 hours.
    for minutes in range(50, 8 * 60, 50):
        assert sessions.session_du_cookie(valeur, chemin, maintenant + minutes * 60)
    assert sessions.session_du_cookie(valeur, chemin, maintenant + 8 * 3600 - 5) is not None
    assert sessions.session_du_cookie(valeur, chemin, maintenant + 8 * 3600 + 5) is None
    assert sessions.utilisateur_de_session(numero, chemin, maintenant + 8 * 3600 + 5) is None
    # Even a cookie re-signed with a later expiry (a leaked key) ends with its server-side row.
    secret = valeur.split(".")[0]
    cle = sessions.cle_signature(chemin)
    prolonge = sessions.signer(secret, int(maintenant) + 100 * 3600, cle)
    assert sessions.session_du_cookie(prolonge, chemin, maintenant + 9 * 3600) is None
    monkeypatch.setenv("PRE_DUREE_SESSION_HEURES", "1,5")
    _, jeton = sessions.creer(ELU, chemin, maintenant)
    assert sessions.echanger_jeton(jeton, chemin, maintenant)[1] == 5400
    for invalide in ("0", "-2", "huit", "1000"):
        monkeypatch.setenv("PRE_DUREE_SESSION_HEURES", invalide)
        with pytest.raises(sessions.ConfigurationSession, match="PRE_DUREE_SESSION_HEURES"):
            sessions.duree_session()


def test_cle_de_signature_configuree_ou_generee(chemin, monkeypatch):
    fichier = sessions.chemin_cle(chemin)
    assert not fichier.exists()
    cle = sessions.cle_signature(chemin)
    assert len(cle) == 64 and fichier.exists()
    assert stat.S_IMODE(os.stat(fichier).st_mode) == 0o600
    assert sessions.cle_signature(chemin) == cle  # kept: sessions survive a restart
    monkeypatch.setenv("PRE_CLE_SESSION", CLE.decode())
    assert sessions.cle_signature(chemin) == CLE
    # A cookie signed with the generated key is refused once another key is configured.
    monkeypatch.delenv("PRE_CLE_SESSION")
    _, valeur = ouvrir(chemin)
    monkeypatch.setenv("PRE_CLE_SESSION", CLE.decode())
    assert sessions.session_du_cookie(valeur, chemin) is None
    monkeypatch.setenv("PRE_CLE_SESSION", "trop-courte")
    with pytest.raises(sessions.ConfigurationSession, match="32"):
        sessions.cle_signature(chemin)


# --- The two routes, called as Starlette calls them ------------------------------------------


def appeler(route, corps: bytes = b"", entetes: dict | None = None, cookie: str | None = None):
    from starlette.requests import Request

    entetes = {"host": "127.0.0.1:8501", **(entetes or {})}
    if cookie:
        entetes["cookie"] = f"{sessions.NOM_COOKIE}={cookie}"
    portee = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "server": ("127.0.0.1", 8501),
        "path": route,
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in entetes.items()],
    }

    async def recevoir():
        return {"type": "http.request", "body": corps, "more_body": False}

    point = sessions._ouvrir if route == sessions.CHEMIN_OUVRIR else sessions._fermer
    return asyncio.run(point(Request(portee, recevoir)))


@pytest.fixture
def administration(chemin, monkeypatch):
    monkeypatch.setenv("PRE_ADMINISTRATION", str(chemin))
    return chemin


def test_la_route_pose_un_cookie_httponly_samesite(administration):
    numero, jeton = sessions.creer(ELU)
    reponse = appeler(sessions.CHEMIN_OUVRIR, jeton.encode(), {"origin": "http://127.0.0.1:8501"})
    assert reponse.status_code == 204
    entete = reponse.headers["set-cookie"]
    assert entete.startswith(f"{sessions.NOM_COOKIE}=")
    attributs = {a.strip().split("=")[0].lower() for a in entete.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= attributs and "secure" not in attributs
    assert "samesite=lax" in entete.lower()
    # Up to the session's expiry, 8 h after its creation: a second may have passed since (CI
    # read 28799 once).
    max_age = int(re.search(r"Max-Age=(\d+)", entete).group(1))
    assert 28_800 - 5 <= max_age <= 28_800
    valeur = entete.split(";")[0].split("=", 1)[1]
    assert sessions.session_du_cookie(valeur) == (numero, ELU)
    # The token is spent; a cross-site post is refused.
    assert appeler(sessions.CHEMIN_OUVRIR, jeton.encode()).status_code == 403
    _, autre = sessions.creer(ELU)
    refus = appeler(sessions.CHEMIN_OUVRIR, autre.encode(), {"origin": "https://ailleurs.example"})
    assert refus.status_code == 403 and "set-cookie" not in refus.headers
    # Behind an HTTPS reverse proxy the cookie is Secure.
    https = appeler(sessions.CHEMIN_OUVRIR, autre.encode(), {"x-forwarded-proto": "https"})
    assert "secure" in https.headers["set-cookie"].lower()
    # The sign-out route closes the session of the cookie it receives and drops the cookie.
    fin = appeler(sessions.CHEMIN_FERMER, cookie=valeur)
    assert fin.status_code == 204 and "Max-Age=0" in fin.headers["set-cookie"]
    assert sessions.session_du_cookie(valeur) is None


# --- The app: sign-in opens a server-side session, checked at every run -----------------------


@pytest.fixture
def application(chemin_fixture, administration, monkeypatch):
    monkeypatch.setenv("PRE_BASE", str(chemin_fixture))
    from pre_pilotage.requetes import vider_caches

    vider_caches()
    return AppTest.from_file(str(config.RACINE / "app.py"), default_timeout=60)


def legende_utilisateur(at) -> str:
    return " ".join(c.value for c in at.sidebar.caption if c.value.startswith("Connecté"))


def test_role_et_compte_reverifies_a_chaque_execution(application, administration):
    at = application.run()
    assert [t.value for t in at.title] == ["Connexion"]
    at.text_input[0].input("elu")
    at.text_input[1].input(MOT_DE_PASSE)
    at.button[0].click().run()
    assert [t.value for t in at.title] == ["Synthèse"]
    numero = at.session_state["numero_session"]
    assert sessions.utilisateur_de_session(numero) == ELU
    assert "rôle lecture" in legende_utilisateur(at)
    modifier_compte(administration, "role = 'coordination'")
    at.run()
    assert "rôle coordination" in legende_utilisateur(at)
    modifier_compte(administration, "actif = 0")
    at.run()
    assert [t.value for t in at.title] == ["Connexion"]
    assert "utilisateur" not in at.session_state


def test_apres_une_heure_sans_activite_la_connexion_est_redemandee(application, administration):
    at = application.run()
    at.text_input[0].input("elu")
    at.text_input[1].input(MOT_DE_PASSE)
    at.button[0].click().run()
    assert [t.value for t in at.title] == ["Synthèse"]
    assert at.info == []
    # Idle for more than an hour (the session's times set back): the next run ends the session,
    # and the sign-in form says why.
    with closing(connexion(administration)) as con:
        con.execute("update session_connexion set vu_le = vu_le - 3700, cree_le = cree_le - 3700")
    at.run()
    assert [t.value for t in at.title] == ["Connexion"]
    assert "utilisateur" not in at.session_state
    assert [i.value for i in at.info] == [
        "Session terminée (déconnexion, plus de 60 minutes sans activité ou durée maximale "
        "atteinte) : connectez-vous de nouveau."
    ]


def test_expiration_apres_inactivite(chemin, monkeypatch):
    maintenant = int(time.time())
    numero, valeur = ouvrir(chemin, maintenant)
    # Activity is noted by every check (written at most once a minute)...
    assert sessions.session_du_cookie(valeur, chemin, maintenant + 59 * 60) == (numero, ELU)
    assert sessions.utilisateur_de_session(numero, chemin, maintenant + 118 * 60) == ELU
    with sqlite3.connect(chemin) as con:
        vu_le = con.execute("select vu_le from session_connexion where numero = ?", (numero,))
        assert vu_le.fetchone()[0] == maintenant + 118 * 60
    # ...and 61 minutes without any page run end the session, by cookie and by number.
    assert sessions.session_du_cookie(valeur, chemin, maintenant + 179 * 60) is None
    assert sessions.utilisateur_de_session(numero, chemin, maintenant + 179 * 60) is None
    # Configurable, in minutes; out-of-range values are refused in French.
    monkeypatch.setenv("PRE_INACTIVITE_MINUTES", "240")
    assert sessions.session_du_cookie(valeur, chemin, maintenant + 179 * 60) == (numero, ELU)
    for invalide in ("0", "2", "une heure", "5000"):
        monkeypatch.setenv("PRE_INACTIVITE_MINUTES", invalide)
        with pytest.raises(sessions.ConfigurationSession, match="PRE_INACTIVITE_MINUTES"):
            sessions.inactivite()


def test_un_ancien_registre_des_sessions_recoit_la_colonne_d_activite(tmp_path):
    chemin = tmp_path / "ancien.sqlite"
    with closing(sqlite3.connect(chemin)) as con:
        con.execute(
            "create table session_connexion (numero integer primary key autoincrement,"
            " identifiant text not null, empreinte_jeton text unique, jeton_expire_le integer,"
            " empreinte_session text unique, cree_le integer not null,"
            " expire_le integer not null, fermee_le integer)"
        )
        con.commit()
    comptes.enregistrer_compte("elu", "Élu", "lecture", MOT_DE_PASSE, chemin=chemin)
    numero, valeur = ouvrir(chemin)
    assert sessions.session_du_cookie(valeur, chemin) == (numero, ELU)
