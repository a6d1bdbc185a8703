"""A programme as its coordinator describes it: name, structure porteuse, communes, years, team.

Created or edited from the page « Programme » or `python -m pre_pilotage programme`, before any
import (the importer refuses files of a programme the database does not hold). Every check is done
before writing; errors are French sentences. The ANCT list of PRE by commune can prefill the
structure porteuse (`porteurs_anct`).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pre_pilotage import francais
from pre_pilotage.db import inserer_lignes, migrer_fichier
from pre_pilotage.francais import effectif
from pre_pilotage.importation import identifiants
from pre_pilotage.importation.controle import _donnee_personnelle
from pre_pilotage.importation.lecture import normaliser_entete

TYPES_PORTEUR = (
    "CCAS",
    "CIAS",
    "caisse des écoles",
    "GIP",
    "commune",
    "EPCI",
    "association",
    "autre",
)
LIBELLES_TYPE_PORTEUR = {
    "CCAS": "CCAS (centre communal d'action sociale)",
    "CIAS": "CIAS (centre intercommunal d'action sociale)",
    "caisse des écoles": "Caisse des écoles",
    "GIP": "GIP (groupement d'intérêt public)",
    "commune": "Commune (ville, régie municipale)",
    "EPCI": "EPCI (communauté, métropole)",
    "association": "Association",
    "autre": "Autre structure",
}
FONCTIONS = {
    "responsable": "Responsable",
    "coordination": "Coordination",
    "referent": "Référent de parcours",
}
_IDENTIFIANT = re.compile(r"^[a-z0-9][a-z0-9-]{2,39}$")
_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_SIREN = re.compile(r"^\d{9}$")
ANNEE_MIN, ANNEE_MAX = 2005, 2100  # PRE exist since 2005


class ProgrammeInvalide(ValueError):
    """The description cannot be saved; `erreurs` are French sentences, one per problem."""

    def __init__(self, erreurs: list[str]):
        super().__init__("\n".join(erreurs))
        self.erreurs = erreurs


@dataclass
class Programme:
    pre_id: str
    nom: str
    porteur: str = ""
    type_porteur: str | None = None
    siren_epci: str | None = None
    communes: list[str] = field(default_factory=list)  # empty with a SIREN: the EPCI's communes
    annees: list[int] = field(default_factory=list)
    # year -> [(fonction, ETP)], one tuple per person; a year absent here keeps its team.
    equipe: dict[int, list[tuple[str, float]]] = field(default_factory=dict)


def identifiant_propose(nom: str) -> str:
    """`PRE de Valenciennes Métropole` -> `pre-valenciennes-metropole`."""
    sans_accents = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode()
    mots = [m for m in re.split(r"[^a-z0-9]+", sans_accents.lower()) if m]
    mots = [m for m in mots if m not in ("de", "du", "des", "la", "le", "les", "l", "d")]
    if mots[:1] != ["pre"]:
        mots.insert(0, "pre")
    return "-".join(mots)[:40].rstrip("-")


def lire_etp(texte: str) -> float:
    """`0,8` or `0.8` -> 0.8 (French decimal comma accepted)."""
    return float(texte.strip().replace(",", "."))


def _fonction(texte: str) -> str:
    """`Référent`, `referent`, `Référent de parcours` -> `referent` (other words unchanged:
    refused with the list of functions when the team is checked)."""
    simple = normaliser_entete(texte)
    for code, libelle in FONCTIONS.items():
        if simple in (code, normaliser_entete(libelle)):
            return code
    return texte.strip()


def type_porteur(texte: str) -> str:
    """`ccas`, `Caisse des écoles`, `epci` -> the code of the structure porteuse (argparse type:
    other words are refused with the list of choices)."""
    for code in TYPES_PORTEUR:
        if texte.strip().lower() == code.lower():
            return code
    return texte.strip()


def lire_equipe(specifications: list[str]) -> dict[int, list[tuple[str, float]]]:
    """Command-line team lines `ANNEE:FONCTION:ETP` (e.g. `2025:referent:0,8`)."""
    equipe: dict[int, list[tuple[str, float]]] = {}
    erreurs = []
    for spec in specifications:
        morceaux = spec.split(":")
        try:
            if len(morceaux) != 3:
                raise ValueError
            annee, fonction, etp = (
                int(morceaux[0]),
                _fonction(morceaux[1]),
                lire_etp(morceaux[2]),
            )
        except ValueError:
            erreurs.append(
                f"Équipe : « {spec} » n'est pas de la forme ANNÉE:FONCTION:ETP "
                "(ex. 2025:referent:0,8)."
            )
            continue
        equipe.setdefault(annee, []).append((fonction, etp))
    if erreurs:
        raise ProgrammeInvalide(erreurs)
    return equipe


def lire_annees(texte: str) -> list[int]:
    """`2024-2025` or `2023,2025` -> [2023, 2025]... (French errors)."""
    annees: set[int] = set()
    for morceau in (m.strip() for m in texte.split(",")):
        if not morceau:
            continue
        debut, _, fin = morceau.partition("-")
        try:
            premiere, derniere = int(debut), int(fin or debut)
        except ValueError:
            raise ProgrammeInvalide(
                [f"Années : « {morceau} » n'est ni une année (2025) ni une période (2024-2025)."]
            ) from None
        if derniere < premiere:
            raise ProgrammeInvalide(
                [
                    f"Années : la période « {morceau} » finit avant de commencer "
                    f"(écrivez {derniere}-{premiere})."
                ]
            )
        annees.update(range(premiere, derniere + 1))
    return sorted(annees)


def communes_de_l_epci(con: duckdb.DuckDBPyConnection, siren: str) -> list[str]:
    """Communes of the EPCI present in the database's geography."""
    return [
        c
        for (c,) in con.execute(
            "select code_insee from commune where siren_epci = ? order by code_insee", [siren]
        ).fetchall()
    ]


def _erreurs(con: duckdb.DuckDBPyConnection, p: Programme, creation: bool) -> list[str]:
    erreurs = []
    existe = con.execute("select count(*) from programme where pre_id = ?", [p.pre_id]).fetchone()[
        0
    ]
    if not _IDENTIFIANT.match(p.pre_id):
        erreurs.append(
            f"Identifiant « {p.pre_id} » : 3 à 40 caractères, minuscules sans accent, chiffres "
            "et tirets (ex. pre-valenciennes)."
        )
    elif creation and existe:
        erreurs.append(
            f"Un programme d'identifiant « {p.pre_id} » existe déjà : choisissez un autre "
            "identifiant, ou modifiez ce programme."
        )
    elif not creation and not existe:
        erreurs.append(f"Aucun programme d'identifiant « {p.pre_id} » dans la base.")
    if not p.nom.strip():
        erreurs.append("Nom du programme : obligatoire (ex. PRE de Valenciennes Métropole).")
    # Free text shown on every page: personal data are refused, and never repeated here.
    for libelle, texte in (("Nom du programme", p.nom), ("Structure porteuse", p.porteur)):
        nature = _donnee_personnelle(texte or "") or identifiants.detecter(texte or "")
        if nature:
            erreurs.append(
                f"{libelle} : ce texte contient {nature} ; une donnée personnelle n'a pas sa "
                "place dans un tableau de bord, écrivez le nom de la structure seulement."
            )
    if p.type_porteur is not None and p.type_porteur not in TYPES_PORTEUR:
        erreurs.append(
            f"Type de structure porteuse « {p.type_porteur} » inconnu ; attendu : "
            + ", ".join(TYPES_PORTEUR)
            + "."
        )
    if p.siren_epci:
        if not _SIREN.match(p.siren_epci):
            erreurs.append(f"SIREN de l'EPCI « {p.siren_epci} » : 9 chiffres attendus.")
        elif not con.execute(
            "select count(*) from commune where siren_epci = ?", [p.siren_epci]
        ).fetchone()[0]:
            erreurs.append(
                f"Aucune commune de l'EPCI {p.siren_epci} dans la géographie de la base : "
                f"construisez-la d'abord (make geodata EPCI={p.siren_epci} BASE=…), ou vérifiez "
                "le SIREN."
            )
    elif not p.communes:
        erreurs.append(
            "Communes : indiquez le SIREN de l'EPCI (toutes ses communes) ou la liste des codes "
            "INSEE des communes du programme."
        )
    connues = {c for (c,) in con.execute("select code_insee from commune").fetchall()}
    mal_formees = [c for c in p.communes if not _INSEE.match(c)]
    if mal_formees:
        # Shown as typed, with the code of a commune of that name when the base has one.
        par_nom: dict[str, list[tuple[str, str]]] = {}
        for code, nom in con.execute("select code_insee, nom from commune order by 1").fetchall():
            par_nom.setdefault(_cle_nom(nom), []).append((code, nom))
        details = []
        for texte in mal_formees:
            trouvees = par_nom.get(_cle_nom(texte), [])
            details.append(
                f"« {texte} »"
                + (
                    " (" + ", ".join(f"{nom} a le code {code}" for code, nom in trouvees) + ")"
                    if trouvees
                    else ""
                )
            )
        exemple = min(connues) if connues else "59606"
        erreurs.append(
            f"Codes INSEE mal formés (5 caractères, ex. {exemple}) : " + ", ".join(details) + "."
        )
    inconnues = [c for c in p.communes if _INSEE.match(c) and c not in connues]
    if inconnues:
        erreurs.append(
            "Communes absentes de la géographie de la base : "
            + ", ".join(inconnues)
            + " (construisez la géographie de leur territoire avec make geodata, ou vérifiez les "
            "codes)."
        )
    if not p.annees and not p.equipe:
        erreurs.append("Années : indiquez au moins une année d'activité (ex. 2025 ou 2024-2025).")
    for annee in sorted({*p.annees, *p.equipe}):
        if not ANNEE_MIN <= annee <= ANNEE_MAX:
            erreurs.append(f"Année {annee} : attendu une année entre {ANNEE_MIN} et {ANNEE_MAX}.")
    for annee, membres in sorted(p.equipe.items()):
        for fonction, etp in membres:
            if fonction not in FONCTIONS:
                erreurs.append(
                    f"Équipe {annee} : fonction « {fonction} » inconnue ; attendu : "
                    + ", ".join(FONCTIONS)
                    + "."
                )
            if not 0 < etp <= 1:
                erreurs.append(
                    f"Équipe {annee} : ETP {str(etp).replace('.', ',')} pour « {fonction} » ; "
                    "attendu un nombre de 0,01 à 1 par personne (une ligne par personne)."
                )
    return erreurs


def _equipe_actuelle(con, pre_id: str, annee: int) -> Counter:
    return Counter(
        (f, float(e))
        for f, e in con.execute(
            "select fonction, etp from equipe where pre_id = ? and annee = ?", [pre_id, annee]
        ).fetchall()
    )


def enregistrer(base: Path, p: Programme, creation: bool) -> list[str]:
    """Check everything, then write the programme in one transaction; returns its communes.

    Raises ProgrammeInvalide (nothing written) with every problem found."""
    from pre_pilotage.importation import ouvrir_ecriture

    p.pre_id = p.pre_id.strip()
    p.siren_epci = (p.siren_epci or "").strip() or None
    # Codes in capitals (2A004); anything else kept as typed, for the error message.
    p.communes = sorted(
        {c.strip().upper() if _INSEE.match(c.strip().upper()) else c.strip() for c in p.communes}
        - {""}
    )
    migrer_fichier(base)
    with ouvrir_ecriture(base) as con:
        erreurs = _erreurs(con, p, creation)
        if erreurs:
            raise ProgrammeInvalide(erreurs)
        communes = p.communes or communes_de_l_epci(con, p.siren_epci)
        con.execute("begin transaction")
        try:
            con.execute("delete from programme where pre_id = ?", [p.pre_id])
            inserer_lignes(
                con,
                "programme",
                [
                    {
                        "pre_id": p.pre_id,
                        "nom": p.nom.strip(),
                        "porteur": p.porteur.strip() or None,
                        "type_porteur": p.type_porteur,
                        "siren_epci": p.siren_epci,
                    }
                ],
            )
            con.execute("delete from programme_commune where pre_id = ?", [p.pre_id])
            inserer_lignes(
                con, "programme_commune", [{"pre_id": p.pre_id, "code_insee": c} for c in communes]
            )
            con.execute("delete from programme_annee where pre_id = ?", [p.pre_id])
            inserer_lignes(
                con,
                "programme_annee",
                [{"pre_id": p.pre_id, "annee": a} for a in sorted({*p.annees, *p.equipe})],
            )
            for annee, membres in p.equipe.items():
                if _equipe_actuelle(con, p.pre_id, annee) == Counter(
                    (f, float(e)) for f, e in membres
                ):
                    continue  # unchanged: imported pseudonyms are kept
                con.execute("delete from equipe where pre_id = ? and annee = ?", [p.pre_id, annee])
                inserer_lignes(
                    con,
                    "equipe",
                    [
                        {
                            "pre_id": p.pre_id,
                            "annee": annee,
                            "personne_id": f"{p.pre_id}-{annee}-{rang:02d}",
                            "fonction": fonction,
                            "etp": etp,
                        }
                        for rang, (fonction, etp) in enumerate(membres, start=1)
                    ],
                )
            from pre_pilotage import protection

            protection.proteger(con)  # the programme's communes define its views
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return communes


def lire(con: duckdb.DuckDBPyConnection, pre_id: str) -> Programme | None:
    """The programme as saved (its years include those of its team and programming)."""
    ligne = con.execute(
        "select nom, porteur, type_porteur, siren_epci from programme where pre_id = ?", [pre_id]
    ).fetchone()
    if ligne is None:
        return None
    nom, porteur, type_porteur, siren = ligne
    annees = [
        a
        for (a,) in con.execute(
            "select annee from programme_annee where pre_id = $p union select annee from equipe"
            " where pre_id = $p union select annee from fiche_action where pre_id = $p"
            " order by 1",
            {"p": pre_id},
        ).fetchall()
    ]
    equipe: dict[int, list[tuple[str, float]]] = {}
    for annee, fonction, etp in con.execute(
        "select annee, fonction, etp from equipe where pre_id = ? order by annee, fonction,"
        " personne_id",
        [pre_id],
    ).fetchall():
        equipe.setdefault(annee, []).append((fonction, float(etp)))
    communes = [
        c
        for (c,) in con.execute(
            "select code_insee from programme_commune where pre_id = ? order by 1", [pre_id]
        ).fetchall()
    ]
    return Programme(pre_id, nom, porteur or "", type_porteur, siren, communes, annees, equipe)


def resume(con: duckdb.DuckDBPyConnection, pre_id: str) -> str:
    """One French paragraph describing a saved programme (CLI and page)."""
    p = lire(con, pre_id)
    if p is None:
        return f"Aucun programme « {pre_id} »."
    noms = dict(con.execute("select code_insee, nom from commune").fetchall())
    epci = (
        con.execute("select nom from epci where siren = ?", [p.siren_epci]).fetchone()
        if p.siren_epci
        else None
    )
    porteur = p.porteur or "structure porteuse non renseignée"
    if p.type_porteur:
        porteur += f" ({p.type_porteur})"
    lignes = [
        f"{p.nom} [{p.pre_id}] — porté par : {porteur}",
        (f"EPCI : {epci[0]} (SIREN {p.siren_epci})" if epci else "EPCI : –"),
        f"{effectif(len(p.communes), 'commune')} : "
        + ", ".join(f"{noms.get(c, c)} ({c})" for c in p.communes[:12])
        + (" …" if len(p.communes) > 12 else ""),
        "Années : " + (", ".join(map(str, p.annees)) or "–"),
    ]
    for annee, membres in sorted(p.equipe.items()):
        par_fonction: dict[str, list[float]] = {}
        for fonction, etp in membres:
            par_fonction.setdefault(fonction, []).append(etp)
        lignes.append(
            f"Équipe {annee} : "
            + " ; ".join(
                f"{FONCTIONS[f]} : {effectif(len(v), 'personne')}, "
                f"{f'{sum(v):.2f}'.rstrip('0').rstrip('.').replace('.', ',')} ETP"
                for f, v in par_fonction.items()
            )
        )
    return "\n".join(lignes)


# -- ANCT list of PRE by commune ---------------------------------------------------------------


@dataclass(frozen=True)
class PorteurAnct:
    code_insee: str
    commune: str  # as written in the ANCT file (upper case, sometimes with CEDEX)
    portage: str  # the ANCT label, e.g. « CCAS-BOURG EN BRESSE »
    type_porteur: str


_TYPES_ANCT = (
    ("CAISSE DES ECOLES", "caisse des écoles"),
    ("CCAS", "CCAS"),
    ("CIAS", "CIAS"),
    ("GIP", "GIP"),
    ("VILLE", "commune"),
    ("MAIRIE", "commune"),
    ("COMMUNE", "commune"),
    ("REGIE", "commune"),
    ("COMMUNAUTE", "EPCI"),
    ("METROPOLE", "EPCI"),
    ("ETABLISSEMENT PUBLIC TERRITORIAL", "EPCI"),
    ("ASSOCIATION", "association"),
)


def _cle_nom(nom: str) -> str:
    """A commune name compared without accents, case, hyphens or apostrophes."""
    sans_accents = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", sans_accents.lower()).split())


def type_porteur_anct(portage: str) -> str:
    """The kind of structure from the ANCT label (`CCAS-DENAIN` -> `CCAS`)."""
    sans_accents = unicodedata.normalize("NFKD", portage).encode("ascii", "ignore").decode()
    debut = sans_accents.upper().strip()
    for prefixe, type_ in _TYPES_ANCT:
        if debut.startswith(prefixe):
            return type_
    return "autre"


def porteurs_anct(source: Path | bytes, codes_insee: list[str]) -> list[PorteurAnct]:
    """The ANCT list's rows for these communes (the file, by path or content; never shipped)."""
    nom = source.name if isinstance(source, Path) else "Liste ANCT des PRE"
    try:
        brut = source.read_bytes() if isinstance(source, Path) else source
        texte = brut.decode("utf-8-sig")
    except FileNotFoundError:
        raise ProgrammeInvalide([f"Liste ANCT des PRE introuvable : {source}."]) from None
    except UnicodeDecodeError:
        raise ProgrammeInvalide(
            [f"{nom} : fichier illisible (encodage UTF-8 attendu, celui de la liste ANCT)."]
        ) from None
    lecteur = csv.DictReader(io.StringIO(texte))
    colonnes = {"code_insee", "portage", "program"}
    if not colonnes <= set(lecteur.fieldnames or ()):
        raise ProgrammeInvalide(
            [
                f"{nom} : colonnes attendues de la liste ANCT des PRE par commune : "
                + ", ".join(sorted(colonnes))
                + f" ; trouvées : {', '.join(lecteur.fieldnames or ()) or 'aucune'}."
            ]
        )
    voulus = set(codes_insee)
    return [
        PorteurAnct(
            ligne["code_insee"].strip(),
            " ".join(ligne["program"].split()),
            " ".join(ligne["portage"].split()),
            type_porteur_anct(ligne["portage"]),
        )
        for ligne in lecteur
        if ligne["code_insee"].strip() in voulus
    ]


def proposition_anct(
    con: duckdb.DuckDBPyConnection, source: Path | bytes, p: Programme
) -> tuple[str, str] | None:
    """(porteur, type) suggested by the ANCT list for the programme's communes, or None.

    An EPCI porteur is named after the EPCI of the geography; otherwise the kind of structure
    and the commune's official name (`CCAS de Denain`)."""
    communes = p.communes or (communes_de_l_epci(con, p.siren_epci) if p.siren_epci else [])
    lignes = porteurs_anct(source, communes)
    if not lignes:
        return None
    # The most frequent kind among the programme's communes, the first such row.
    type_ = Counter(ligne.type_porteur for ligne in lignes).most_common(1)[0][0]
    ligne = next(ligne for ligne in lignes if ligne.type_porteur == type_)
    if type_ == "EPCI":
        epci = con.execute(
            "select e.nom from epci e where e.siren = coalesce(?,"
            " (select c.siren_epci from commune c where c.code_insee = ?))",
            [p.siren_epci, ligne.code_insee],
        ).fetchone()
        if epci:
            return epci[0], type_
    nom_commune = con.execute(
        "select nom from commune where code_insee = ?", [ligne.code_insee]
    ).fetchone()
    if type_ in ("CCAS", "caisse des écoles") and nom_commune:
        libelle = "CCAS" if type_ == "CCAS" else "Caisse des écoles"
        return f"{libelle} {francais.de(nom_commune[0])}", type_
    return ligne.portage, type_


# -- the same, opening the database (for the page, which holds no connection) -------------------


def charger(base: Path, pre_id: str) -> Programme | None:
    from pre_pilotage.importation import ouvrir

    with ouvrir(base, lecture_seule=True) as con:
        return lire(con, pre_id)


def decrire(base: Path, pre_id: str) -> str:
    from pre_pilotage.importation import ouvrir

    with ouvrir(base, lecture_seule=True) as con:
        return resume(con, pre_id)


def proposer_porteur(base: Path, source: Path | bytes, p: Programme) -> tuple[str, str] | None:
    from pre_pilotage.importation import ouvrir

    with ouvrir(base, lecture_seule=True) as con:
        return proposition_anct(con, source, p)


# Everything a programme owns, in the order it is deleted (rows that point at a programme's
# rows first). Shared tables (geography, Cités, references) are not touched; a gouvernance
# meeting is deleted with its last participating programme. The protection's tables are
# updated by `protection.proteger` (a programme that left is dropped from them).
_SUPPRESSION: tuple[tuple[str, str, str], ...] = (
    (
        "action_parcours",
        "actions des parcours",
        "delete from action_parcours where parcours_id in (select parcours_id from "
        "parcours where pre_id = $pre_id) or fiche_id in (select fiche_id from "
        "fiche_action where pre_id = $pre_id)",
    ),
    (
        "parcours_motif",
        "motifs des parcours",
        "delete from parcours_motif where parcours_id in (select parcours_id from "
        "parcours where pre_id = $pre_id)",
    ),
    (
        "parcours",
        "parcours",
        "delete from parcours where pre_id = $pre_id",
    ),
    (
        "beneficiaire",
        "enfants",
        "delete from beneficiaire where pre_id = $pre_id",
    ),
    (
        "eps_reunion_partenaire",
        "participations aux réunions d'EPS",
        "delete from eps_reunion_partenaire where reunion_id in (select r.reunion_id "
        "from eps_reunion r join eps e using (eps_id) where e.pre_id = $pre_id)",
    ),
    (
        "eps_reunion",
        "réunions d'EPS",
        "delete from eps_reunion where eps_id in (select eps_id from eps where pre_id = $pre_id)",
    ),
    (
        "eps",
        "équipes pluridisciplinaires de soutien",
        "delete from eps where pre_id = $pre_id",
    ),
    (
        "financement",
        "lignes de financement",
        "delete from financement where fiche_id in (select fiche_id from fiche_action "
        "where pre_id = $pre_id)",
    ),
    (
        "fiche_action",
        "fiches-action",
        "delete from fiche_action where pre_id = $pre_id",
    ),
    (
        "gouvernance_reunion",
        "réunions de gouvernance",
        "delete from gouvernance_reunion where starts_with(reunion_id, $pre_id || '-G')"
        " or (reunion_id in (select reunion_id from gouvernance_participation where "
        "pre_id = $pre_id) and reunion_id not in (select reunion_id from "
        "gouvernance_participation where pre_id <> $pre_id))",
    ),
    (
        "gouvernance_participation",
        "participations à la gouvernance",
        "delete from gouvernance_participation where pre_id = $pre_id",
    ),
    (
        "equipe",
        "membres de l'équipe (par année)",
        "delete from equipe where pre_id = $pre_id",
    ),
    (
        "lot_import",
        "fichiers importés",
        "delete from lot_import where pre_id = $pre_id",
    ),
    (
        "enquete_nationale.valeur",
        "valeurs de l'enquête nationale",
        "delete from enquete_nationale.valeur where pre_id = $pre_id",
    ),
    (
        "enquete_nationale.reponse",
        "réponses à l'enquête nationale",
        "delete from enquete_nationale.reponse where pre_id = $pre_id",
    ),
    (
        "programme_annee",
        "années d'activité",
        "delete from programme_annee where pre_id = $pre_id",
    ),
    (
        "programme_commune",
        "communes du programme",
        "delete from programme_commune where pre_id = $pre_id",
    ),
    (
        "programme",
        "programme",
        "delete from programme where pre_id = $pre_id",
    ),
)
# Counts of children told like any other figure of children (the screen may be shared).
_ENFANTS = {"parcours", "beneficiaire"}


def a_supprimer(con: duckdb.DuckDBPyConnection, pre_id: str) -> list[tuple[str, int]]:
    """What deleting the programme would remove: (table, rows), tables with rows only; reads
    only (a read-only connection will do): each deletion's rows counted by the same
    condition (the statements are this module's constants, the programme a parameter)."""
    resultat = []
    for table, _, suppression in _SUPPRESSION:
        compte = suppression.replace("delete from", "select count(*) from", 1)
        lignes = con.execute(compte, {"pre_id": pre_id}).fetchone()[0]
        if lignes:
            resultat.append((table, lignes))
    return resultat


def _supprimer_lignes(con: duckdb.DuckDBPyConnection, pre_id: str) -> list[tuple[str, int]]:
    resultat = []
    for table, _, suppression in _SUPPRESSION:
        lignes = con.execute(suppression, {"pre_id": pre_id}).fetchone()[0]
        if lignes:
            resultat.append((table, lignes))
    return resultat


def texte_suppression(pre_id: str, lignes: list[tuple[str, int]], seuil: int) -> list[str]:
    """One French line per kind of row removed (a small count of children as « < seuil »)."""
    libelles = {table: libelle for table, libelle, _ in _SUPPRESSION}
    textes = []
    for table, n in lignes:
        valeur = (
            f"< {seuil}"
            if table in _ENFANTS and 1 <= n < seuil
            else f"{n:,}".replace(",", "\u202f")
        )
        textes.append(f"{libelles[table]} : {valeur}")
    return textes


def supprimer(base: Path, pre_id: str) -> list[tuple[str, int]]:
    """Delete the programme and everything it owns in one transaction, then update the stored
    protection; returns what was removed. Raises ProgrammeInvalide when it does not exist."""
    from pre_pilotage import protection
    from pre_pilotage.importation import ouvrir_ecriture

    migrer_fichier(base)
    with ouvrir_ecriture(base) as con:
        if not con.execute("select 1 from programme where pre_id = ?", [pre_id]).fetchone():
            raise ProgrammeInvalide([f"Aucun programme d'identifiant « {pre_id} » dans la base."])
        con.execute("begin transaction")
        try:
            lignes = _supprimer_lignes(con, pre_id)
            protection.proteger(con)
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return lignes
