"""Administration store (SQLite): accounts, sessions and the audit log, apart from the DuckDB data.

The dashboard reads DuckDB through one read-only connection; sign-ins, failed attempts and exports
are small, frequent writes from several sessions, which SQLite handles with its own locking. The
audit log is append-only: the code never updates or deletes a row of it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from pre_pilotage import config

ROLES = ("lecture", "coordination", "administration")
# What a visitor types (an account name on a failed sign-in) is cut before it is stored.
LONGUEUR_MAX_OBJET = 200
ACTIONS = ("connexion", "echec_connexion", "deconnexion", "import", "export", "compte", "reglage")

_SCHEMA = """
create table if not exists compte (
    identifiant text primary key,
    nom_affiche text not null,
    role text not null check (role in ('lecture', 'coordination', 'administration')),
    empreinte_mot_de_passe text,
    source text not null default 'local' check (source in ('local', 'oidc', 'demo')),
    actif integer not null default 1,
    echecs_consecutifs integer not null default 0,
    bloque_jusqu_a text,
    cree_le text not null,
    -- Département the account is limited to (« 59 »), null for a national account.
    departement text,
    -- Programme (pre_id) a lecture account is limited to, null for every programme.
    pre_id text
);
create table if not exists journal_audit (
    numero integer primary key autoincrement,
    horodatage text not null,
    identifiant text,
    role text,
    action text not null check (action in
        ('connexion', 'echec_connexion', 'deconnexion', 'import', 'export', 'compte', 'reglage')),
    objet text,
    filtres text,
    details text
);
-- Signed-in sessions (pre_pilotage/sessions.py): SHA-256 of the one-time token and of the
-- cookie's secret, never the values; times in Unix seconds.
create table if not exists session_connexion (
    numero integer primary key autoincrement,
    identifiant text not null,
    empreinte_jeton text unique,
    jeton_expire_le integer,
    empreinte_session text unique,
    cree_le integer not null,
    expire_le integer not null,
    fermee_le integer,
    -- Last activity (a page run), for the idle expiry.
    vu_le integer
);
-- Failed sign-ins by account name and source (client address): the delay after repeated
-- failures applies to that source only, so that a stranger cannot lock a user out.
create table if not exists tentative_connexion (
    identifiant text not null,
    source text not null,
    echecs integer not null,
    premier_echec text not null,
    bloque_jusqu_a text,
    primary key (identifiant, source)
);
create trigger if not exists journal_audit_sans_modification
    before update on journal_audit
    begin select raise(abort, 'Le journal d''audit ne peut pas être modifié.'); end;
create trigger if not exists journal_audit_sans_suppression
    before delete on journal_audit
    begin select raise(abort, 'Le journal d''audit ne peut pas être modifié.'); end;
"""


def chemin_administration() -> Path:
    """SQLite file of accounts and audit; PRE_ADMINISTRATION overrides it."""
    defaut = config.chemin_base().with_name("administration.sqlite")
    return Path(os.environ.get("PRE_ADMINISTRATION", str(defaut)))


def connexion(chemin: Path | None = None) -> sqlite3.Connection:
    chemin = chemin or chemin_administration()
    chemin.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(chemin, timeout=10, isolation_level=None)
    con.execute("pragma journal_mode = wal")
    con.executescript(_SCHEMA)
    _mettre_a_niveau(con)
    return con


def _mettre_a_niveau(con: sqlite3.Connection) -> None:
    """Columns added since a store was created (SQLite's `create table if not exists` keeps an old
    table as it was): added empty, so that existing accounts and sessions keep working."""
    colonnes = {ligne[1] for ligne in con.execute("pragma table_info(compte)")}
    if "departement" not in colonnes:
        con.execute("alter table compte add column departement text")
    if "pre_id" not in colonnes:
        con.execute("alter table compte add column pre_id text")
    colonnes = {ligne[1] for ligne in con.execute("pragma table_info(session_connexion)")}
    if "vu_le" not in colonnes:
        con.execute("alter table session_connexion add column vu_le integer")


@dataclass(frozen=True)
class Utilisateur:
    identifiant: str
    nom_affiche: str
    role: str
    departement: str | None = None  # a lecture account limited to one département
    pre_id: str | None = None  # a lecture account limited to one programme


def maintenant() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def journaliser(
    action: str,
    utilisateur: Utilisateur | None,
    objet: str | None = None,
    filtres: dict | None = None,
    details: dict | None = None,
    chemin: Path | None = None,
) -> None:
    """Append one line to the audit log (who, when, what, with which filters)."""
    if action not in ACTIONS:
        raise ValueError(f"Action d'audit inconnue : {action}")
    with closing(connexion(chemin)) as con:
        con.execute(
            "insert into journal_audit (horodatage, identifiant, role, action, objet, filtres,"
            " details) values (?, ?, ?, ?, ?, ?, ?)",
            (
                maintenant(),
                utilisateur.identifiant if utilisateur else None,
                utilisateur.role if utilisateur else None,
                action,
                objet[:LONGUEUR_MAX_OBJET] if objet else objet,
                json.dumps(filtres, ensure_ascii=False, default=str) if filtres else None,
                json.dumps(details, ensure_ascii=False, default=str) if details else None,
            ),
        )


def lire_journal(
    limite: int = 1_000,
    chemin: Path | None = None,
    actions: list[str] | None = None,
    depuis: dt.date | None = None,
    jusqu_a: dt.date | None = None,
) -> list[dict]:
    """The latest `limite` rows of the audit log, newest first, of the given kinds and days."""
    parametres = {
        "actions": json.dumps(list(actions)) if actions else None,
        "depuis": depuis.isoformat() if depuis else None,
        "jusqu_a": (jusqu_a + dt.timedelta(days=1)).isoformat() if jusqu_a else None,
        "limite": limite,
    }
    with closing(connexion(chemin)) as con:
        con.row_factory = sqlite3.Row
        lignes = con.execute(
            "select horodatage, identifiant, role, action, objet, filtres, details"
            " from journal_audit"
            " where (:actions is null or action in (select value from json_each(:actions)))"
            " and (:depuis is null or horodatage >= :depuis)"
            " and (:jusqu_a is null or horodatage < :jusqu_a)"
            " order by numero desc limit :limite",
            parametres,
        ).fetchall()
    return [dict(ligne) for ligne in lignes]
