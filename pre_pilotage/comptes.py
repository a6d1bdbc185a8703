"""Local accounts: scrypt password hashes (never the password), slowed and locked failed attempts."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import threading
import time
from contextlib import closing
from pathlib import Path

from pre_pilotage.administration import ROLES, Utilisateur, connexion, journaliser, maintenant

CODE_DEPARTEMENT = re.compile(r"\d{2}|2[AB]|97\d")
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
    auteur: Utilisateur | None = None,
    departement: str | None = None,
    pre_id: str | None = None,
) -> None:
    """Create or update an account; a local account needs a password of 12 characters or more.
    `departement` (« 59 », « 974 ») limits a lecture account to that département, `pre_id` to
    that programme (its pages, and its figures only on the Territoires page).

    `auteur`: who made the change (the signed-in administrator; None on the server's command
    line, recorded as such), written in the audit log with the account's new role.
    """
    if role not in ROLES:
        raise ValueError(f"Rôle inconnu : {role} (attendu : {', '.join(ROLES)}).")
    if not identifiant.strip():
        raise ValueError("L'identifiant du compte est vide.")
    if source == "local" and (mot_de_passe is None or len(mot_de_passe) < 12):
        raise ValueError("Le mot de passe doit compter au moins 12 caractères.")
    departement = (departement or "").strip().upper() or None
    if departement is not None:
        if not CODE_DEPARTEMENT.fullmatch(departement):
            raise ValueError(
                f"Département « {departement} » invalide : un code comme 59, 2A ou 974 est attendu."
            )
        if role != "lecture":
            raise ValueError("Seul un compte « lecture » peut être limité à un département.")
    pre_id = (pre_id or "").strip() or None
    if pre_id is not None and role != "lecture":
        raise ValueError("Seul un compte « lecture » peut être limité à un programme.")
    valeur = empreinte(mot_de_passe) if mot_de_passe else None
    with closing(connexion(chemin)) as con:
        con.execute(
            "insert into compte (identifiant, nom_affiche, role, empreinte_mot_de_passe, source,"
            " cree_le, departement, pre_id) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict"
            " (identifiant) do update set nom_affiche = excluded.nom_affiche, role = excluded.role,"
            " departement = excluded.departement, pre_id = excluded.pre_id,"
            " empreinte_mot_de_passe = coalesce(excluded.empreinte_mot_de_passe,"
            " compte.empreinte_mot_de_passe), source = excluded.source, actif = 1,"
            " echecs_consecutifs = 0, bloque_jusqu_a = null",
            (identifiant, nom_affiche, role, valeur, source, maintenant(), departement, pre_id),
        )
    if valeur:
        # A new password ends the sessions opened with the old one (a stolen cookie included).
        from pre_pilotage.sessions import fermer_sessions_du_compte

        fermer_sessions_du_compte(identifiant, chemin)
    journaliser(
        "compte",
        auteur or AUTEUR_LIGNE_DE_COMMANDE,
        objet=identifiant,
        details={"role": role, "source": source}
        | ({"departement": departement} if departement else {})
        | ({"programme": pre_id} if pre_id else {}),
        chemin=chemin,
    )


def nombre_comptes(chemin: Path | None = None) -> int:
    with closing(connexion(chemin)) as con:
        return con.execute("select count(*) from compte where actif = 1").fetchone()[0]


def lister_comptes(chemin: Path | None = None) -> list[dict]:
    with closing(connexion(chemin)) as con:
        lignes = con.execute(
            "select identifiant, nom_affiche, role, source, actif, cree_le, departement, pre_id"
            " from compte order by identifiant"
        ).fetchall()
    return [
        dict(
            zip(
                (
                    "identifiant",
                    "nom_affiche",
                    "role",
                    "source",
                    "actif",
                    "cree_le",
                    "departement",
                    "pre_id",
                ),
                ligne,
                strict=True,
            )
        )
        for ligne in lignes
    ]


def compte_oidc(identifiant: str, chemin: Path | None = None) -> Utilisateur | None:
    """The active ProConnect account (source « oidc ») of an e-mail address, case ignored.

    A password account at the same address is not signed in by ProConnect: an administrator
    chooses, account by account, which way of signing in it has."""
    with closing(connexion(chemin)) as con:
        ligne = con.execute(
            "select identifiant, nom_affiche, role, departement, pre_id from compte"
            " where lower(identifiant) = ? and source = 'oidc' and actif = 1",
            (identifiant.strip().lower(),),
        ).fetchone()
    return Utilisateur(*ligne) if ligne else None


# Account changes made on the server's command line (no signed-in user there).
AUTEUR_LIGNE_DE_COMMANDE = Utilisateur("ligne de commande", "Ligne de commande du serveur", "")

MESSAGE_ECHEC = (
    "Identifiant ou mot de passe incorrect. Après plusieurs échecs depuis ce poste, la connexion "
    "à ce compte y est suspendue pendant 15 minutes."
)
# At most two scrypt computations at once (128 MiB of memory each): a burst of attempts waits
# its turn instead of raising the server's memory (cap about 256 MiB for sign-ins).
CALCULS_SIMULTANES = 2
_CALCULS = threading.BoundedSemaphore(CALCULS_SIMULTANES)
# Beyond this many failures from one source in the window, failures are summarised in the audit
# log (one row) instead of one row each, so that a flood cannot push other rows out of view.
ECHECS_JOURNALISES_PAR_SOURCE = 20
FENETRE_JOURNAL = dt.timedelta(minutes=15)
LONGUEUR_MAX_IDENTIFIANT = 100
LONGUEUR_MAX_MOT_DE_PASSE = 1_000


@functools.cache
def _empreinte_factice() -> str:
    """Checked for an unknown account, so that it costs what a known one costs."""
    return empreinte(secrets.token_urlsafe(24))


def _verifier_borne(mot_de_passe: str, empreinte_stockee: str | None) -> bool:
    with _CALCULS:
        juste = verifier(mot_de_passe[:LONGUEUR_MAX_MOT_DE_PASSE], empreinte_stockee or "")
        if not empreinte_stockee:
            verifier(mot_de_passe[:LONGUEUR_MAX_MOT_DE_PASSE], _empreinte_factice())
    return juste and bool(empreinte_stockee)


def authentifier(
    identifiant: str,
    mot_de_passe: str,
    chemin: Path | None = None,
    pause: float = PAUSE_ECHEC_SECONDES,
    source: str = "inconnue",
) -> tuple[Utilisateur | None, str | None]:
    """(user, None) on success, (None, French message) otherwise; attempts are audited.

    Unknown, known, disabled and suspended accounts get the same answer after the same work (one
    scrypt computation). After ECHECS_AVANT_BLOCAGE failures for an account from one `source`
    (the client's address), that source is suspended for that account for DUREE_BLOCAGE; other
    sources are not. Failures are counted atomically (parallel attempts all count).
    """
    identifiant = identifiant[:LONGUEUR_MAX_IDENTIFIANT]
    source = (source or "inconnue")[:LONGUEUR_MAX_IDENTIFIANT]
    with closing(connexion(chemin)) as con:
        ligne = con.execute(
            "select identifiant, nom_affiche, role, empreinte_mot_de_passe, departement, pre_id"
            " from compte where identifiant = ? and actif = 1 and source = 'local'",
            (identifiant,),
        ).fetchone()
    juste = _verifier_borne(mot_de_passe, ligne[3] if ligne else None)
    maintenant_ = dt.datetime.now()
    with closing(connexion(chemin)) as con:
        tentative = con.execute(
            "select bloque_jusqu_a from tentative_connexion where identifiant = ? and source = ?",
            (identifiant, source),
        ).fetchone()
        suspendu = bool(
            tentative and tentative[0] and dt.datetime.fromisoformat(tentative[0]) > maintenant_
        )
        if juste and ligne and not suspendu:
            con.execute(
                "delete from tentative_connexion where identifiant = ? and source = ?",
                (identifiant, source),
            )
            utilisateur = Utilisateur(ligne[0], ligne[1], ligne[2], ligne[4], ligne[5])
            journaliser("connexion", utilisateur, details={"source": source}, chemin=chemin)
            return utilisateur, None
        # Counted in one statement (parallel attempts all count); a count older than the window
        # starts again.
        debut_fenetre = (maintenant_ - FENETRE_JOURNAL).isoformat(timespec="seconds")
        (echecs,) = con.execute(
            "insert into tentative_connexion (identifiant, source, echecs, premier_echec)"
            " values (:i, :s, 1, :t) on conflict (identifiant, source) do update set"
            " echecs = case when premier_echec < :f then 1 else echecs + 1 end,"
            " premier_echec = case when premier_echec < :f then :t else premier_echec end"
            " returning echecs",
            {
                "i": identifiant,
                "s": source,
                "t": maintenant_.isoformat(timespec="seconds"),
                "f": debut_fenetre,
            },
        ).fetchone()
        if echecs >= ECHECS_AVANT_BLOCAGE and not suspendu:
            con.execute(
                "update tentative_connexion set bloque_jusqu_a = ?"
                " where identifiant = ? and source = ?",
                (
                    (maintenant_ + DUREE_BLOCAGE).isoformat(timespec="seconds"),
                    identifiant,
                    source,
                ),
            )
        (recents,) = con.execute(
            "select coalesce(sum(echecs), 0) from tentative_connexion"
            " where source = ? and premier_echec >= ?",
            (source, debut_fenetre),
        ).fetchone()
    if recents <= ECHECS_JOURNALISES_PAR_SOURCE:
        details = {"source": source} | ({"motif": "connexion suspendue"} if suspendu else {})
        journaliser("echec_connexion", None, objet=identifiant, details=details, chemin=chemin)
    elif recents == ECHECS_JOURNALISES_PAR_SOURCE + 1:
        journaliser(
            "echec_connexion",
            None,
            objet="(tentatives répétées)",
            details={
                "source": source,
                "motif": f"plus de {ECHECS_JOURNALISES_PAR_SOURCE} échecs en "
                f"{FENETRE_JOURNAL.seconds // 60} minutes depuis cette source : les suivants "
                "ne sont plus journalisés un par un",
            },
            chemin=chemin,
        )
    time.sleep(pause)  # slows down password guessing
    return None, MESSAGE_ECHEC


def _reseaux_de_confiance() -> list:
    """Reverse proxies whose X-Forwarded-For is believed (PRE_PROXYS_DE_CONFIANCE: addresses or
    networks separated by commas or spaces, e.g. « 127.0.0.1, 10.0.0.0/8 »)."""
    brut = os.environ.get("PRE_PROXYS_DE_CONFIANCE", "")
    reseaux = []
    for morceau in brut.replace(",", " ").split():
        try:
            reseaux.append(ipaddress.ip_network(morceau, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"PRE_PROXYS_DE_CONFIANCE : « {morceau[:60]} » n'est ni une adresse ni un réseau IP"
            ) from exc
    return reseaux


def adresse_client(directe: str | None, transmise_pour: str | None) -> str:
    """The address failed sign-ins are counted against.

    Behind a reverse proxy Streamlit sees the proxy's address: when that address is a trusted
    proxy (PRE_PROXYS_DE_CONFIANCE), the client is the right-most address of X-Forwarded-For that
    is not itself a trusted proxy (entries further left are written by the client and may be
    forged). Without trusted proxies, X-Forwarded-For is ignored.
    """

    def ip(texte: str | None):
        try:
            return ipaddress.ip_address((texte or "").strip())
        except ValueError:
            return None

    def de_confiance(adresse) -> bool:
        return adresse is not None and any(adresse in r for r in reseaux)

    reseaux = _reseaux_de_confiance()
    client = ip(directe)
    if de_confiance(client) and transmise_pour:
        for morceau in reversed(transmise_pour.split(",")[-20:]):
            suivante = ip(morceau)
            if suivante is None:
                break
            client = suivante
            if not de_confiance(suivante):
                break
    return str(client) if client is not None else "inconnue"
