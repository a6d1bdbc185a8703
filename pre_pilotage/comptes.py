"""Local accounts: scrypt password hashes (never the password), slowed and locked failed attempts."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import time
from contextlib import closing
from pathlib import Path

from pre_pilotage.administration import ROLES, Utilisateur, connexion, journaliser, maintenant

# scrypt parameters (RFC 7914; OWASP's minimum is N=2^17, r=8, p=1).
_N, _R, _P = 2**17, 8, 1
ECHECS_AVANT_BLOCAGE = 5
DUREE_BLOCAGE = dt.timedelta(minutes=15)
PAUSE_ECHEC_SECONDES = 1.0


def empreinte(mot_de_passe: str, sel: bytes | None = None) -> str:
    sel = sel or secrets.token_bytes(16)
    cle = hashlib.scrypt(mot_de_passe.encode(), salt=sel, n=_N, r=_R, p=_P, maxmem=2**28, dklen=32)
    return "$".join(
        (
            "scrypt",
            str(_N),
            str(_R),
            str(_P),
            base64.b64encode(sel).decode(),
            base64.b64encode(cle).decode(),
        )
    )


def verifier(mot_de_passe: str, empreinte_stockee: str) -> bool:
    try:
        nom, n, r, p, sel, attendu = empreinte_stockee.split("$")
    except ValueError:
        return False
    if nom != "scrypt":
        return False
    cle = hashlib.scrypt(
        mot_de_passe.encode(),
        salt=base64.b64decode(sel),
        n=int(n),
        r=int(r),
        p=int(p),
        maxmem=2**28,
        dklen=32,
    )
    return hmac.compare_digest(cle, base64.b64decode(attendu))


def enregistrer_compte(
    identifiant: str,
    nom_affiche: str,
    role: str,
    mot_de_passe: str | None,
    source: str = "local",
    chemin: Path | None = None,
) -> None:
    """Create or update an account; a local account needs a password of 12 characters or more."""
    if role not in ROLES:
        raise ValueError(f"Rôle inconnu : {role} (attendu : {', '.join(ROLES)}).")
    if not identifiant.strip():
        raise ValueError("L'identifiant du compte est vide.")
    if source == "local" and (mot_de_passe is None or len(mot_de_passe) < 12):
        raise ValueError("Le mot de passe doit compter au moins 12 caractères.")
    valeur = empreinte(mot_de_passe) if mot_de_passe else None
    with closing(connexion(chemin)) as con:
        con.execute(
            "insert into compte (identifiant, nom_affiche, role, empreinte_mot_de_passe, source,"
            " cree_le) values (?, ?, ?, ?, ?, ?) on conflict (identifiant) do update set"
            " nom_affiche = excluded.nom_affiche, role = excluded.role,"
            " empreinte_mot_de_passe = coalesce(excluded.empreinte_mot_de_passe,"
            " compte.empreinte_mot_de_passe), source = excluded.source, actif = 1,"
            " echecs_consecutifs = 0, bloque_jusqu_a = null",
            (identifiant, nom_affiche, role, valeur, source, maintenant()),
        )
    if valeur:
        # A new password ends the sessions opened with the old one (a stolen cookie included).
        from pre_pilotage.sessions import fermer_sessions_du_compte

        fermer_sessions_du_compte(identifiant, chemin)
    journaliser(
        "compte", None, objet=identifiant, details={"role": role, "source": source}, chemin=chemin
    )


def nombre_comptes(chemin: Path | None = None) -> int:
    with closing(connexion(chemin)) as con:
        return con.execute("select count(*) from compte where actif = 1").fetchone()[0]


def lister_comptes(chemin: Path | None = None) -> list[dict]:
    with closing(connexion(chemin)) as con:
        lignes = con.execute(
            "select identifiant, nom_affiche, role, source, actif, cree_le from compte"
            " order by identifiant"
        ).fetchall()
    return [
        dict(
            zip(
                ("identifiant", "nom_affiche", "role", "source", "actif", "cree_le"),
                ligne,
                strict=True,
            )
        )
        for ligne in lignes
    ]


def compte_oidc(identifiant: str, chemin: Path | None = None) -> Utilisateur | None:
    """The account matching an identity-provider e-mail, if an administrator created it."""
    with closing(connexion(chemin)) as con:
        ligne = con.execute(
            "select identifiant, nom_affiche, role from compte where identifiant = ? and actif = 1",
            (identifiant,),
        ).fetchone()
    return Utilisateur(*ligne) if ligne else None


def authentifier(
    identifiant: str,
    mot_de_passe: str,
    chemin: Path | None = None,
    pause: float = PAUSE_ECHEC_SECONDES,
) -> tuple[Utilisateur | None, str | None]:
    """(user, None) on success, (None, French message) otherwise; every attempt is audited."""
    with closing(connexion(chemin)) as con:
        ligne = con.execute(
            "select identifiant, nom_affiche, role, empreinte_mot_de_passe, bloque_jusqu_a,"
            " echecs_consecutifs from compte where identifiant = ? and actif = 1 and"
            " source = 'local'",
            (identifiant,),
        ).fetchone()
        if ligne and ligne[4] and dt.datetime.fromisoformat(ligne[4]) > dt.datetime.now():
            journaliser(
                "echec_connexion",
                None,
                objet=identifiant,
                details={"motif": "compte bloqué"},
                chemin=chemin,
            )
            return None, (
                "Trop de tentatives échouées : ce compte est bloqué jusqu'à "
                f"{dt.datetime.fromisoformat(ligne[4]).strftime('%H:%M')}."
            )
        if ligne and ligne[3] and verifier(mot_de_passe, ligne[3]):
            con.execute(
                "update compte set echecs_consecutifs = 0, bloque_jusqu_a = null"
                " where identifiant = ?",
                (identifiant,),
            )
            utilisateur = Utilisateur(ligne[0], ligne[1], ligne[2])
            journaliser("connexion", utilisateur, chemin=chemin)
            return utilisateur, None
        if ligne:
            echecs = ligne[5] + 1
            bloque = (
                (dt.datetime.now() + DUREE_BLOCAGE).isoformat(timespec="seconds")
                if echecs >= ECHECS_AVANT_BLOCAGE
                else None
            )
            con.execute(
                "update compte set echecs_consecutifs = ?, bloque_jusqu_a = ?"
                " where identifiant = ?",
                (echecs, bloque, identifiant),
            )
    journaliser("echec_connexion", None, objet=identifiant, chemin=chemin)
    time.sleep(pause)  # slows down password guessing
    return None, "Identifiant ou mot de passe incorrect."
