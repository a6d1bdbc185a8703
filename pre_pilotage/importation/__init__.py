"""Import of a programme's files for one year: read, validate everything, then write in one
transaction (all or nothing), pseudonymising identifiers at the door."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pre_pilotage.db import migrer_fichier
from pre_pilotage.importation import bilan, identifiants
from pre_pilotage.importation.bilan import Changement
from pre_pilotage.importation.controle import (
    TEXTES_PERSONNELS,
    Erreur,
    Reference,
    _donnee_personnelle,
    affichable,
    entetes_connues,
    valider,
)
from pre_pilotage.importation.ecriture import ORDRE, ecrire
from pre_pilotage.importation.lecture import FichierIllisible, lire_tableau, normaliser_entete
from pre_pilotage.importation.schemas import FORMATS
from pre_pilotage.pseudonymisation import CLE_DEMO, pseudonyme

POLITIQUES = ("supprimer", "refuser")


class CleAbsente(Exception):
    """No pseudonymisation key is configured: real data must not be imported."""


class BaseOccupee(Exception):
    """Another process (the app, another import) holds the DuckDB file: French advice."""


def message_base_occupee(base: Path, exc: Exception, dans_l_application: bool = True) -> str:
    """French advice when another process holds the DuckDB file (`exc`: DuckDB's lock error).

    `dans_l_application`: the same action can be done from the app's own pages (imports,
    programmes), which is then the first advice; the geography build has no page.
    """
    processus = re.search(r"PID (\d+)", str(exc))
    qui = f" (processus n° {processus.group(1)})" if processus else ""
    arret = (
        "arrêtez l'application (Ctrl+C dans le terminal qui l'a lancée, ou arrêt du service) ou "
        "attendez la fin de l'import en cours, puis relancez la commande."
    )
    conseil = (
        "Soit vous passez par l'application (rôle administration : page « Import des données » "
        "pour importer, page « Programme » pour créer ou modifier un programme), soit vous " + arret
        if dans_l_application
        else arret[0].upper() + arret[1:]
    )
    return (
        f"La base {base} est ouverte par un autre programme{qui} : l'application du tableau de "
        f"bord, ou un import en cours. Rien n'a été écrit. {conseil}"
    )


@contextlib.contextmanager
def ouvrir(base: Path, lecture_seule: bool = False):
    """A DuckDB connection; a lock held by another process becomes BaseOccupee (French)."""
    try:
        con = duckdb.connect(str(base), read_only=lecture_seule)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise BaseOccupee(message_base_occupee(base, exc)) from None
        raise
    with con:
        yield con


def ouvrir_ecriture(base: Path):
    return ouvrir(base, lecture_seule=False)


def migrer(base: Path) -> None:
    """Bring the schema up to date, or BaseOccupee when another process holds the file."""
    try:
        migrer_fichier(base)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise BaseOccupee(message_base_occupee(base, exc)) from None
        raise


def cle_pseudonymisation(secrets: dict | None = None, demo: bool = False) -> bytes:
    """The HMAC key: Streamlit secrets [pseudonymisation] cle, or PRE_CLE_PSEUDONYMISATION."""
    valeur = None
    if secrets:
        valeur = (secrets.get("pseudonymisation") or {}).get("cle")
    valeur = valeur or os.environ.get("PRE_CLE_PSEUDONYMISATION")
    if valeur:
        if len(valeur) < 16:
            raise CleAbsente("La clé de pseudonymisation doit compter au moins 16 caractères.")
        return valeur.encode()
    if demo:
        return CLE_DEMO
    raise CleAbsente(
        "Aucune clé de pseudonymisation n'est configurée : l'import est refusé. Définissez la "
        "variable d'environnement PRE_CLE_PSEUDONYMISATION (ou [pseudonymisation] cle dans "
        ".streamlit/secrets.toml), conservée hors de la base et du dépôt, et toujours la même "
        "d'une année sur l'autre."
    )


@dataclass
class Fichier:
    nom: str
    contenu: bytes
    type_fichier: str | None = None  # detected from the name when None


@dataclass
class Rapport:
    erreurs: list[Erreur] = field(default_factory=list)
    remarques: list[str] = field(default_factory=list)
    lignes: dict[str, int] = field(default_factory=dict)  # per file
    ecrit: bool = False
    # What the import changes (or would change), per file type, before -> after.
    changements: list[Changement] = field(default_factory=list)
    # Rows per file under its neutral label (« Fiches-action (fichier CSV) »): what the audit
    # log and the database keep, never the file's own name.
    libelles: dict[str, int] = field(default_factory=dict)
    # Existing rows would be replaced and `remplacer` was not given: nothing written.
    confirmation_requise: bool = False

    @property
    def valide(self) -> bool:
        return not self.erreurs


def type_depuis_nom(nom: str) -> str | None:
    """`2025_fiches-action.csv` -> `fiches_action` (the file name says what it holds)."""
    normalise = normaliser_entete(Path(nom).stem)
    for code in sorted(FORMATS, key=len, reverse=True):
        if code in normalise or code.rstrip("s") in normalise:
            return code
    return None


def libelle_fichier(type_fichier: str, contenu: bytes) -> str:
    """What the database and the audit log call an imported file: its kind, never its name
    (a name such as « Dupont_Lucas_12-03-2015.csv » identifies a child)."""
    nature = "XLSX" if contenu.startswith(b"PK\x03\x04") else "CSV"
    return f"{FORMATS[type_fichier].libelle} (fichier {nature})"


def empreinte_nom(nom: str, cle: bytes) -> str:
    """Keyed hash of a file's name: the same name is recognised, the name cannot be read back."""
    return pseudonyme(cle, "nom_fichier", nom, "N-")


def nom_affiche(nom: str, rang: int) -> str:
    """The file's name as messages show it, unless it holds personal data (then a neutral one)."""
    nature = _donnee_personnelle(nom) or identifiants.detecter(nom)
    if nature is None:
        return nom
    return f"fichier n° {rang + 1} (nom masqué : il contient {nature})"


def _reference(
    con: duckdb.DuckDBPyConnection, pre_id: str, annee: int, cle: bytes = b""
) -> Reference:
    nomenclatures: dict[str, dict[str, str]] = {}
    for domaine, code, libelle in con.execute(
        "select domaine, code, libelle from nomenclature"
    ).fetchall():
        table = nomenclatures.setdefault(domaine, {})
        table[normaliser_entete(code)] = code
        table[normaliser_entete(libelle)] = code
    qpv: dict[str, set[str]] = {}
    for code, commune in con.execute(
        "select q.code_qp, qc.code_insee from qpv q left join qpv_commune qc using (code_qp)"
    ).fetchall():
        qpv.setdefault(code, set()).update({commune} if commune else set())

    def ensemble(sql: str, params: list | None = None) -> set:
        return {v for (v,) in con.execute(sql, params or []).fetchall()}

    return Reference(
        pre_id=pre_id,
        annee=annee,
        nomenclatures=nomenclatures,
        communes=ensemble("select code_insee from programme_commune where pre_id = ?", [pre_id]),
        qpv=qpv,
        uai=ensemble("select uai from etablissement"),
        cites=ensemble("select cite_id from cite_educative"),
        fiches_annee=ensemble(
            "select numero from fiche_action where pre_id = ? and annee = ?", [pre_id, annee]
        ),
        fiches={
            (a, numero): fiche_id
            for a, numero, fiche_id in con.execute(
                "select annee, numero, fiche_id from fiche_action where pre_id = ?", [pre_id]
            ).fetchall()
        },
        parcours=ensemble("select parcours_id from parcours where pre_id = ?", [pre_id]),
        beneficiaires=ensemble(
            "select beneficiaire_id from beneficiaire where pre_id = ?", [pre_id]
        ),
        lieux=frozenset(
            mot
            for nom in ensemble("select nom from commune union select nom from qpv")
            if nom
            for mot in identifiants.cle_lieu(nom)
        ),
        cle=cle,
    )


def _dans_le_programme(
    cle: bytes, espace: str, brut: str, prefixe: str, pre_id: str, existants: set[str]
) -> str:
    """Pseudonym of a child or a parcours within its programme: two programmes of one base
    may number their children the same way (« ENF-0001 ») without being the same child. One
    already imported under the former pseudonym, common to all programmes, keeps it."""
    ancien = pseudonyme(cle, espace, brut, prefixe)
    if ancien in existants:
        return ancien
    return pseudonyme(cle, f"{espace}\x1f{pre_id}", brut, prefixe)


def _cle_fiche(ref: Reference, annee: int, numero: str) -> str:
    """The database's key of a programme's fiche-action of a year: its programme and year make
    it unique (two programmes, or two years, may both have a « FA-01 »). A fiche already in
    the database keeps its key (those imported before this rule have their number as key)."""
    return ref.fiches.get((annee, numero)) or f"{ref.pre_id}/{annee}/{numero}"


def _pseudonymiser(type_fichier: str, lignes: list[dict], cle: bytes, ref: Reference) -> None:
    for ligne in lignes:
        if type_fichier in ("fiches_action", "financements"):
            ligne["fiche_id"] = _cle_fiche(ref, ref.annee, ligne["identifiant_fiche"])
        if "identifiant_parcours" in ligne:
            # Kept until the write, only to name a row in an error (never written).
            ligne["_identifiant_saisi"] = ligne["identifiant_parcours"]
        if type_fichier == "beneficiaires":
            ligne["beneficiaire_id"] = _dans_le_programme(
                cle,
                "beneficiaire",
                ligne.pop("identifiant_enfant"),
                "B-",
                ref.pre_id,
                ref.beneficiaires,
            )
            ligne["parcours_id"] = _dans_le_programme(
                cle, "parcours", ligne.pop("identifiant_parcours"), "P-", ref.pre_id, ref.parcours
            )
            if ligne.get("referent"):
                ligne["referent"] = pseudonyme(cle, "personne", ligne["referent"], "R-")
        elif type_fichier == "actions":
            ligne["parcours_id"] = _dans_le_programme(
                cle, "parcours", ligne.pop("identifiant_parcours"), "P-", ref.pre_id, ref.parcours
            )
        elif type_fichier == "equipe":
            ligne["personne_id"] = pseudonyme(
                cle, "personne", ligne.pop("identifiant_personne"), "R-"
            )


@contextlib.contextmanager
def _sans_ramasse_miettes():
    """A large file's rows are hundreds of thousands of small objects kept until the write:
    CPython's cycle collector would walk them again and again (about 15 % of a 100,000-row
    import). Collection resumes afterwards and frees any cycle made meanwhile."""
    actif = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if actif:
            gc.enable()


# Real data never go into the demo base: it is open without sign-in, everyone administrator,
# and its identifiers use the public demo key.
REFUS_DEMONSTRATION = (
    "une base sans données de démonstration. Cette base est celle de la démonstration (données "
    "fictives, ouverte à tous sans connexion, avec la clé de pseudonymisation publique) : on "
    "n'y importe pas de données réelles. Créez la base de votre PRE en suivant « Démarrer avec "
    "les données de votre PRE » du README : géographie, programme, puis import"
)


def base_de_demonstration(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database holds the fictional demo data (flag written by the generator)."""
    return bool(
        con.execute(
            "select count(*) from meta where cle = 'donnees_demo' and valeur = 'oui'"
        ).fetchone()[0]
    )


def importer(
    base: Path,
    fichiers: list[Fichier],
    pre_id: str,
    annee: int,
    cle: bytes,
    politique: str = "supprimer",
    utilisateur: str | None = None,
    avant_ecriture: Callable[[], None] | None = None,
    progression: Callable[[float, str], None] | None = None,
    remplacer: bool = False,
    proteger: bool = True,
    textes: str = "refuser",
) -> Rapport:
    """Validate every file, then write them all in one transaction, or nothing at all.

    The statistical protection of the whole database is recomputed inside that transaction
    (`pre_pilotage.protection`): if it fails, neither the data nor the previous protection
    change. `proteger=False` leaves it stale (the app then refuses to show figures until an
    administrator recomputes it): for tests of the import rules alone and for benchmarks.

    With `remplacer=False`, an import that would replace existing rows writes nothing and
    returns the before -> after summary with `confirmation_requise` set. A lock held by another
    process raises BaseOccupee (French message).

    `politique`: columns named after a direct identifier are dropped or refuse the file;
    `textes`: personal data inside a free-text cell refuses the file or is masked."""
    with _sans_ramasse_miettes():
        return _importer(
            base,
            fichiers,
            pre_id,
            annee,
            cle,
            politique,
            utilisateur,
            avant_ecriture,
            progression,
            remplacer,
            proteger,
            textes,
        )


def _importer(
    base: Path,
    fichiers: list[Fichier],
    pre_id: str,
    annee: int,
    cle: bytes,
    politique: str,
    utilisateur: str | None,
    avant_ecriture: Callable[[], None] | None,
    progression: Callable[[float, str], None] | None,
    remplacer: bool,
    proteger: bool = True,
    textes: str = "refuser",
) -> Rapport:
    if politique not in POLITIQUES:
        raise ValueError(f"Politique inconnue : {politique}")
    if textes not in TEXTES_PERSONNELS:
        raise ValueError(f"Politique inconnue : {textes}")
    avancer = progression or (lambda _f, _m: None)
    rapport = Rapport()
    if not fichiers:
        rapport.erreurs.append(
            Erreur("(aucun fichier)", 0, "", "", "au moins un fichier à importer")
        )
        return rapport
    migrer(base)
    with ouvrir(base, lecture_seule=True) as con:
        if not con.execute("select count(*) from programme where pre_id = ?", [pre_id]).fetchone()[
            0
        ]:
            rapport.erreurs.append(
                Erreur(
                    "(import)",
                    0,
                    "programme",
                    pre_id,
                    "un programme présent dans la base (créez-le d'abord : page « Programme » "
                    "ou python -m pre_pilotage programme creer)",
                )
            )
            return rapport
        if base_de_demonstration(con):
            rapport.erreurs.append(
                Erreur("(import)", 0, "base", "données de démonstration", REFUS_DEMONSTRATION)
            )
            return rapport
        reference = _reference(con, pre_id, annee, cle)

    valides: dict[str, tuple[Fichier, list[dict]]] = {}
    noms: dict[str, str] = {}  # file type -> the name messages give it
    for rang, fichier in enumerate(fichiers):
        nom = nom_affiche(fichier.nom, rang)
        avancer(0.6 * rang / len(fichiers), f"Lecture et contrôle de {nom}")
        type_fichier = fichier.type_fichier or type_depuis_nom(fichier.nom)
        if type_fichier not in FORMATS:
            rapport.erreurs.append(
                Erreur(
                    nom,
                    0,
                    "",
                    "",
                    "un nom de fichier indiquant son contenu : "
                    + ", ".join(FORMATS)
                    + " (ex. 2025_beneficiaires.csv)",
                )
            )
            continue
        if type_fichier in valides:
            rapport.erreurs.append(
                Erreur(nom, 0, "", "", f"un seul fichier « {type_fichier} » par import")
            )
            continue
        try:
            tableau = lire_tableau(
                fichier.nom,
                fichier.contenu,
                entetes_connues=entetes_connues(FORMATS[type_fichier]),
            )
        except FichierIllisible as exc:
            # The file is named once, in the error's own column (« 2025_eps.csv : 2025_eps.csv
            # : le fichier est vide. » was shown).
            message = str(exc).replace(fichier.nom, nom).removeprefix(f"{nom} : ")
            rapport.erreurs.append(Erreur(nom, 0, "", "", message))
            continue
        tableau.fichier = nom
        resultat = valider(tableau, FORMATS[type_fichier], reference, politique, textes)
        rapport.erreurs.extend(resultat.erreurs)
        rapport.remarques.extend(f"{nom} : {r}" for r in resultat.remarques)
        rapport.lignes[nom] = len(resultat.lignes)
        rapport.libelles[libelle_fichier(type_fichier, fichier.contenu)] = len(resultat.lignes)
        _pseudonymiser(type_fichier, resultat.lignes, cle, reference)
        valides[type_fichier] = (fichier, resultat.lignes)
        noms[type_fichier] = nom
        if type_fichier == "fiches_action":
            reference.fiches_annee = {ligne["identifiant_fiche"] for ligne in resultat.lignes}
    _controles_croises(valides, noms, reference, rapport)
    if rapport.erreurs:
        return rapport
    with ouvrir(base, lecture_seule=True) as con:
        rapport.changements = bilan.calculer(
            con, {t: lignes for t, (_, lignes) in valides.items()}, pre_id, annee
        )
    if not remplacer and any(c.remplacees for c in rapport.changements):
        rapport.confirmation_requise = True
        return rapport

    avancer(0.7, "Écriture dans la base")
    if avant_ecriture:
        avant_ecriture()
    horodatage = dt.datetime.now().replace(microsecond=0)
    with ouvrir(base) as con:
        con.execute("begin transaction")
        try:
            for type_fichier in ORDRE:
                if type_fichier not in valides:
                    continue
                fichier, lignes = valides[type_fichier]
                ecrire(con, type_fichier, lignes, pre_id, annee)
                con.execute(
                    "insert into lot_import (lot_id, pre_id, type_fichier, annee, fichier,"
                    " empreinte_sha256, lignes, importe_le, importe_par, empreinte_nom)"
                    " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        str(uuid.uuid4()),
                        pre_id,
                        type_fichier,
                        annee,
                        libelle_fichier(type_fichier, fichier.contenu),
                        hashlib.sha256(fichier.contenu).hexdigest(),
                        len(lignes),
                        horodatage,
                        utilisateur,
                        empreinte_nom(fichier.nom, cle),
                    ],
                )
            if proteger:
                avancer(0.8, "Protection statistique de toute la base (secret statistique)")
                from pre_pilotage import protection

                protection.proteger(con)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    avancer(1.0, "Import terminé")
    rapport.ecrit = True
    return rapport


def _controles_croises(valides, noms, reference: Reference, rapport: Rapport) -> None:
    """Checks between files of the same import (actions of unknown parcours...)."""
    if "actions" in valides:
        _, lignes = valides["actions"]
        connus = set(reference.parcours)
        if "beneficiaires" in valides:
            connus |= {ligne["parcours_id"] for ligne in valides["beneficiaires"][1]}
        for ligne in lignes:
            if ligne["parcours_id"] not in connus:
                rapport.erreurs.append(
                    Erreur(
                        noms["actions"],
                        ligne["_ligne"],
                        "identifiant_parcours",
                        affichable(ligne["_identifiant_saisi"]),
                        "un parcours présent dans le fichier des enfants et parcours ou déjà importé",
                    )
                )
            numero = ligne.get("fiche_action")
            if not numero:
                continue
            # A fiche of the action's year (this import's fiches file, or the database), else
            # the programme's only fiche of another year with that number.
            if numero in reference.fiches_annee:
                ligne["fiche_id"] = _cle_fiche(reference, reference.annee, numero)
                continue
            annee = reference.annee
            autres = sorted(a for a, n in reference.fiches if n == numero and a != annee)
            if len(autres) == 1:
                ligne["fiche_id"] = reference.fiches[(autres[0], numero)]
                continue
            rapport.erreurs.append(
                Erreur(
                    noms["actions"],
                    ligne["_ligne"],
                    "fiche_action",
                    numero,
                    f"l'identifiant d'une fiche-action {annee} du programme"
                    if not autres
                    else f"l'identifiant d'une fiche-action {annee} du programme (ce numéro est "
                    f"celui de fiches de plusieurs années : {', '.join(map(str, autres))} ; "
                    "importez aussi le fichier des fiches-action de l'année)",
                )
            )


def entree_journal(rapport: Rapport, pre_id: str, annee: int) -> dict:
    """What the audit log keeps of an import: what the files held, never their names (a file
    name may identify a child)."""
    return {
        "objet": ", ".join(rapport.libelles),
        "filtres": {"pre_id": pre_id, "annee": annee},
        "details": {
            "ecrit": rapport.ecrit,
            "erreurs": len(rapport.erreurs),
            "lignes": rapport.libelles,
            "changements": [str(c) for c in rapport.changements],
        },
    }


def cadre_erreurs(rapport: Rapport):
    """The errors as a table (French headers come from the page)."""
    import polars as pl

    return pl.DataFrame(
        {
            "fichier": [e.fichier for e in rapport.erreurs],
            "ligne": [str(e.ligne) if e.ligne else "–" for e in rapport.erreurs],
            "colonne": [e.colonne or "–" for e in rapport.erreurs],
            "valeur": [e.valeur for e in rapport.erreurs],
            "attendu": [e.attendu for e in rapport.erreurs],
        },
        schema=dict.fromkeys(("fichier", "ligne", "colonne", "valeur", "attendu"), pl.Utf8),
    )


def cadre_changements(rapport: Rapport):
    """What the import changes (or would change), one row per file type and key figure."""
    import polars as pl

    lignes = [
        (c.libelle, m.libelle, m.texte(m.avant), m.texte(m.apres))
        for c in rapport.changements
        for m in c.mesures
    ]
    return pl.DataFrame(
        lignes, schema=dict.fromkeys(("contenu", "mesure", "avant", "apres"), pl.Utf8), orient="row"
    )


def empreinte_fichiers(fichiers: list[Fichier]) -> str:
    """Identifies a set of files (a confirmation applies to the files it was shown for)."""
    h = hashlib.sha256()
    for f in sorted(fichiers, key=lambda f: f.nom):
        h.update(f.nom.encode() + b"\0" + hashlib.sha256(f.contenu).digest())
    return h.hexdigest()


def csv_erreurs(rapport: Rapport) -> bytes:
    """The error report as a CSV for French Excel (`;`, UTF-8 with BOM, no live formula)."""
    from pre_pilotage.exports import csv_francais

    return csv_francais(
        cadre_erreurs(rapport),
        {
            "fichier": "Fichier",
            "ligne": "Ligne",
            "colonne": "Colonne",
            "valeur": "Valeur",
            "attendu": "Attendu",
        },
    )
