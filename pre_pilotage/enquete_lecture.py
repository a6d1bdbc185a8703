"""Reading the « Enquête nationale PRE » workbooks that the PRE send to the ANCT.

The workbook is the one `pre_pilotage.enquete.classeur` writes; it is recognised by meaning:
sheets by their names, tables by their titles, columns by their headers, indicators by their
labels (accents, case and spacing ignored), never by position. Every non-empty cell of a theme
sheet is either read (a value with its unit, or its masking token « < 11 », « s », « – ») or
reported: nothing is dropped silently. A workbook with any problem is refused as a whole, with
French messages naming the file, the sheet, the row and the column. No Streamlit, no database.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pre_pilotage import enquete, formats
from pre_pilotage.indicateurs import indicateur

SEUIL_ENQUETE = 11  # the élus' floor: the survey goes to the ANCT, outside the PRE's team
JETON_SECRET = "s"
ENSEMBLE_PARCOURS = "Ensemble des parcours actifs (plusieurs réponses possibles)"
PREFIXE_NOTE_NATIONALE = "Part nationale :"
CHILD = "nombre"  # unit of every count of the workbook
# Key figures that are counts (whole numbers); the other « nombre » figures are medians.
EFFECTIFS = {
    "actifs",
    "entrees",
    "sorties",
    "transition_cp_ce1",
    "transition_cm2_6e",
    "suivi_ase",
    "reunions_eps",
    "situations_examinees",
}
COLONNES_EFFECTIFS = {"effectif", "parcours_actifs", "personnes"}


@dataclass(frozen=True)
class Valeur:
    """One figure of a workbook: where it was, what it is, its number or its token."""

    feuille: str
    code: str  # indicator code (pre_pilotage.indicateurs)
    modalite: str  # row label of a distribution or table; "" for a key figure
    colonne: str  # valeur, effectif, part, part_nationale, parcours_actifs, personnes, etp…
    unite: str
    valeur: float | None
    jeton: str | None  # « < 11 », « s » or « – » when the workbook gives no number
    ligne: int
    cellule: str  # « C12 »


@dataclass
class Reponse:
    """A PRE's answer: who, which year, every value."""

    fichier: str
    empreinte: str  # SHA-256 of the file
    pre_id: str
    nom: str
    communes: tuple[str, ...]
    annee: int
    seuil: int
    valeurs: list[Valeur] = field(default_factory=list)


class ClasseurRefuse(Exception):
    """A workbook that cannot be consolidated; `messages` says every reason, in French."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class Controle:
    """What a batch of workbooks gave: answers kept, refusals, and duplicates to settle."""

    reponses: list[Reponse]
    refus: dict[str, list[str]]  # file name -> French messages
    doublons: dict[tuple[str, int], list[Reponse]]  # (pre_id, year) -> several answers

    @property
    def a_choisir(self) -> bool:
        return bool(self.doublons)


def normaliser(texte) -> str:
    """Text compared by meaning: no accents, lower case, one space, typographic apostrophes."""
    texte = unicodedata.normalize("NFKD", str(texte)).replace("’", "'")
    texte = "".join(c for c in texte if not unicodedata.combining(c))
    return " ".join(texte.lower().split())


# ------------------------------------------------------------------------------ cells


_NOMBRE_TEXTE = re.compile(
    r"^-?\d{1,3}(?:[\s\u00a0\u202f]?\d{3})*(?:[,.]\d+)?$|^-?\d+(?:[,.]\d+)?$"
)
_JETON_INFERIEUR = re.compile(r"^<\s*\d+$")


class _Feuille:
    """A sheet's non-empty cells by (row, column), and which of them have been read."""

    def __init__(self, fichier: str, nom: str, feuille) -> None:
        self.fichier, self.nom = fichier, nom
        self.cellules: dict[tuple[int, int], object] = {}
        for ligne in feuille.iter_rows():
            for c in ligne:
                v = c.value
                if v is not None and not (isinstance(v, str) and not v.strip()):
                    self.cellules[(c.row, c.column)] = v
        self.lues: set[tuple[int, int]] = set()
        self.erreurs: list[str] = []
        self.derniere = max((r for r, _ in self.cellules), default=0)

    def ou(self, ligne: int, colonne: int | None = None) -> str:
        lieu = f"{self.fichier}, feuille « {self.nom} », ligne {ligne}"
        return lieu + (f", colonne {get_column_letter(colonne)}" if colonne else "")

    def erreur(self, ligne: int, colonne: int | None, texte: str) -> None:
        self.erreurs.append(f"{self.ou(ligne, colonne)} : {texte}")

    def ligne(self, numero: int) -> dict[int, object]:
        return {c: v for (r, c), v in self.cellules.items() if r == numero}

    def lire(self, ligne: int, colonne: int):
        self.lues.add((ligne, colonne))
        return self.cellules.get((ligne, colonne))

    def trouver(self, texte: str, apres: int = 0) -> int | None:
        """First row after `apres` whose column A says `texte`."""
        cible = normaliser(texte)
        for r in range(apres + 1, self.derniere + 1):
            v = self.cellules.get((r, 1))
            if v is not None and normaliser(v) == cible:
                return r
        return None

    def non_lues(self) -> None:
        for (r, c), v in sorted(self.cellules.items()):
            if (r, c) not in self.lues:
                self.erreur(r, c, f"valeur « {v} » hors des tableaux attendus de l'enquête")


def _valeur(
    feuille: _Feuille, ligne: int, colonne: int, unite: str, seuil: int, entier: bool = False
):
    """(number, token) of a value cell, or an error and (None, None); `entier`: a count."""
    brute = feuille.lire(ligne, colonne)
    attendu = f"attendu : un nombre, « < {seuil} », « {JETON_SECRET} » ou « {formats.VIDE} »"
    if brute is None:
        feuille.erreur(ligne, colonne, f"case vide ({attendu})")
        return None, None
    if isinstance(brute, bool):
        feuille.erreur(ligne, colonne, f"valeur « {brute} » illisible ({attendu})")
        return None, None
    if isinstance(brute, int | float):
        nombre = float(brute)
    else:
        texte = str(brute).strip()
        if texte in (f"< {seuil}", JETON_SECRET, formats.VIDE):
            return None, texte
        if _JETON_INFERIEUR.match(texte) or normaliser(texte) in ("s", "-", "—", "secret"):
            feuille.erreur(ligne, colonne, f"jeton de secret « {texte} » modifié ({attendu})")
            return None, None
        if not _NOMBRE_TEXTE.match(texte):
            feuille.erreur(ligne, colonne, f"valeur « {texte} » illisible ({attendu})")
            return None, None
        nombre = float(re.sub(r"[\s\u00a0\u202f]", "", texte).replace(",", "."))
    if nombre < 0:
        feuille.erreur(ligne, colonne, f"valeur « {brute} » négative")
        return None, None
    if entier and nombre != int(nombre):
        feuille.erreur(ligne, colonne, f"valeur « {brute} » : un effectif est un nombre entier")
        return None, None
    return nombre, None


# ------------------------------------------------------------------------------ tables


def _entetes(feuille: _Feuille, ligne: int, attendus: list[str], facultatifs=()) -> dict | None:
    """Header label -> column, found by meaning; unknown or missing headers are errors."""
    trouves: dict[str, int] = {}
    connus = {normaliser(e): e for e in [*attendus, *facultatifs]}
    for colonne, v in sorted(feuille.ligne(ligne).items()):
        feuille.lire(ligne, colonne)
        entete = connus.get(normaliser(v))
        if entete is None:
            feuille.erreur(ligne, colonne, f"en-tête « {v} » inattendu")
        else:
            trouves[entete] = colonne
    manquants = [e for e in attendus if e not in trouves]
    if manquants:
        feuille.erreur(ligne, None, "en-tête absent : " + ", ".join(f"« {e} »" for e in manquants))
        return None
    return trouves


def _lignes_du_tableau(feuille: _Feuille, entete: int):
    """Rows after the header, up to the first empty row."""
    r = entete + 1
    while r <= feuille.derniere and feuille.ligne(r):
        yield r
        r += 1


def _titre(feuille: _Feuille, titre: str, apres: int) -> int | None:
    ligne = feuille.trouver(titre, apres)
    if ligne is None:
        feuille.erreurs.append(
            f"{feuille.fichier}, feuille « {feuille.nom} » : tableau « {titre} » absent"
        )
        return None
    feuille.lire(ligne, 1)
    return ligne


def _chiffres(feuille: _Feuille, bloc, seuil: int, apres: int, sortie: list[Valeur]) -> int:
    ligne = _titre(feuille, bloc.titre, apres)
    if ligne is None:
        return apres
    colonnes = _entetes(feuille, ligne + 1, ["Indicateur", "Valeur"])
    if colonnes is None:
        return ligne + 1
    par_libelle = {normaliser(indicateur(code).libelle): code for _, code in bloc.chiffres}
    vus: set[str] = set()
    r = ligne + 1
    for r in _lignes_du_tableau(feuille, ligne + 1):
        libelle = feuille.lire(r, colonnes["Indicateur"])
        code = par_libelle.get(normaliser(libelle)) if libelle is not None else None
        if code is None:
            feuille.erreur(r, colonnes["Indicateur"], f"indicateur « {libelle} » inconnu")
            feuille.lire(r, colonnes["Valeur"])
            continue
        if code in vus:
            feuille.erreur(r, colonnes["Indicateur"], f"indicateur « {libelle} » en double")
        vus.add(code)
        unite = indicateur(code).unite
        nombre, jeton = _valeur(
            feuille, r, colonnes["Valeur"], unite, seuil, entier=code in EFFECTIFS
        )
        sortie.append(
            Valeur(
                feuille.nom,
                code,
                "",
                "valeur",
                unite,
                nombre,
                jeton,
                r,
                f"{get_column_letter(colonnes['Valeur'])}{r}",
            )
        )
    for _, code in bloc.chiffres:
        if code not in vus:
            feuille.erreur(ligne, 1, f"indicateur « {indicateur(code).libelle} » absent du tableau")
    return r


def _lignes_libellees(feuille, ligne_entete, colonne_libelle, sortie_libelles):
    """(row, label) of a table's rows; duplicate labels are errors."""
    vus: set[str] = set()
    for r in _lignes_du_tableau(feuille, ligne_entete):
        libelle = feuille.lire(r, colonne_libelle)
        if libelle is None:
            feuille.erreur(r, colonne_libelle, "libellé absent")
            continue
        libelle = str(libelle).strip()
        if normaliser(libelle) in vus:
            feuille.erreur(r, colonne_libelle, f"ligne « {libelle} » en double")
            continue
        vus.add(normaliser(libelle))
        sortie_libelles.append(r)
        yield r, libelle


def _repartition(feuille: _Feuille, bloc, seuil: int, apres: int, sortie: list[Valeur]) -> int:
    ligne = _titre(feuille, indicateur(bloc.code).libelle, apres)
    if ligne is None:
        return apres
    colonnes = _entetes(
        feuille, ligne + 1, [bloc.modalite, bloc.effectif, "Part"], ("Part nationale",)
    )
    if colonnes is None:
        return ligne + 1
    lues: list[int] = []
    r = ligne + 1
    for r, libelle in _lignes_libellees(feuille, ligne + 1, colonnes[bloc.modalite], lues):
        cible = (bloc.effectif, "effectif", CHILD)
        if normaliser(libelle).startswith(normaliser(PREFIXE_NOTE_NATIONALE)):
            continue  # the source of the national shares: a note, read as such
        if normaliser(libelle) == normaliser(ENSEMBLE_PARCOURS):
            nombre, jeton = _valeur(feuille, r, colonnes[bloc.effectif], CHILD, seuil, True)
            sortie.append(
                Valeur(
                    feuille.nom,
                    bloc.code,
                    "",
                    "parcours_actifs",
                    CHILD,
                    nombre,
                    jeton,
                    r,
                    f"{get_column_letter(colonnes[bloc.effectif])}{r}",
                )
            )
            continue
        for entete, nom, unite in (
            cible,
            ("Part", "part", "pourcentage"),
            ("Part nationale", "part_nationale", "pourcentage"),
        ):
            if entete not in colonnes:
                continue
            nombre, jeton = _valeur(
                feuille, r, colonnes[entete], unite, seuil, nom in COLONNES_EFFECTIFS
            )
            sortie.append(
                Valeur(
                    feuille.nom,
                    bloc.code,
                    libelle,
                    nom,
                    unite,
                    nombre,
                    jeton,
                    r,
                    f"{get_column_letter(colonnes[entete])}{r}",
                )
            )
    return r


def _tableau(feuille: _Feuille, bloc, seuil: int, apres: int, sortie: list[Valeur]) -> int:
    ligne = _titre(feuille, indicateur(bloc.code).libelle, apres)
    if ligne is None:
        return apres
    colonnes = _entetes(feuille, ligne + 1, [entete for _, entete, _ in bloc.colonnes])
    if colonnes is None:
        return ligne + 1
    (_, entete_libelle, _), *autres = bloc.colonnes
    r = ligne + 1
    for r, libelle in _lignes_libellees(feuille, ligne + 1, colonnes[entete_libelle], []):
        for nom, entete, unite in autres:
            nombre, jeton = _valeur(
                feuille, r, colonnes[entete], unite, seuil, nom in COLONNES_EFFECTIFS
            )
            sortie.append(
                Valeur(
                    feuille.nom,
                    bloc.code,
                    libelle,
                    nom,
                    unite,
                    nombre,
                    jeton,
                    r,
                    f"{get_column_letter(colonnes[entete])}{r}",
                )
            )
    return r


_LIRE = {"_Chiffres": _chiffres, "_Repartition": _repartition, "_Tableau": _tableau}


# ------------------------------------------------------------------------------ workbook


def _en_tete(feuille: _Feuille, nom: str) -> tuple[int | None, int | None]:
    """(year, threshold) said by the sheet's title lines; those lines are read."""
    annee = seuil = None
    titre = f"Enquête nationale PRE – {nom}"
    if feuille.trouver(titre) != 1:
        feuille.erreur(1, 1, f"titre « {titre} » absent")
    r = 1
    while r <= feuille.derniere and feuille.ligne(r):
        texte = str(feuille.lire(r, 1) or "")
        if m := re.search(r"· année (\d{4})", texte):
            annee = int(m.group(1))
        if m := re.match(r"« < (\d+) » : moins de", texte):
            seuil = int(m.group(1))
        if normaliser(texte).startswith("document interne"):
            feuille.erreur(
                r,
                1,
                "classeur interne à l'équipe du PRE (établi sous le seuil de "
                f"{SEUIL_ENQUETE} enfants) : il ne peut pas être transmis à l'enquête nationale",
            )
        r += 1
    return annee, seuil


def _identification(feuille: _Feuille) -> dict[str, str]:
    ligne = feuille.trouver(enquete.TITRE_IDENTIFICATION)
    if ligne is None:
        feuille.erreurs.append(
            f"{feuille.fichier}, feuille « {feuille.nom} » : bloc « "
            f"{enquete.TITRE_IDENTIFICATION} » absent ; le classeur ne dit pas quel PRE "
            "répond (produisez-le de nouveau depuis la page « Publics et parcours »)"
        )
        return {}
    feuille.lire(ligne, 1)
    connus = {
        normaliser(e): e
        for e in (
            enquete.IDENTIFIANT,
            enquete.NOM,
            enquete.COMMUNES,
            enquete.PERIMETRE,
            enquete.ANNEE,
            enquete.SEUIL,
        )
    }
    lu: dict[str, str] = {}
    r = ligne + 1
    while r <= feuille.derniere and feuille.ligne(r):
        libelle, valeur = feuille.lire(r, 1), feuille.lire(r, 2)
        cle = connus.get(normaliser(libelle or ""))
        if cle is None:
            feuille.erreur(r, 1, f"libellé « {libelle} » inconnu dans l'identification")
        elif valeur is None or not str(valeur).strip():
            feuille.erreur(r, 2, f"« {cle} » non renseigné")
        else:
            lu[cle] = str(valeur).strip()
        r += 1
    for cle in connus.values():
        if cle not in lu and not any(cle in e for e in feuille.erreurs):
            feuille.erreur(ligne, 1, f"« {cle} » absent de l'identification")
    return lu


def _par_feuille(fichier: str, valeurs: dict, message, fautive) -> list[str]:
    """One message for the whole workbook when every sheet says the same wrong thing (a year,
    a threshold), else one per sheet that does."""
    fautives = {nom: v for nom, v in valeurs.items() if fautive(v)}
    if not fautives:
        return []
    if len(fautives) == len(valeurs) and len(set(fautives.values())) == 1:
        return [f"{fichier} : {message(next(iter(fautives.values())))}"]
    return [f"{fichier}, feuille « {nom} » : {message(v)}" for nom, v in fautives.items()]


def lire_classeur(fichier: str, contenu: bytes, annee: int) -> Reponse:
    """The answer in one workbook, for the survey of `annee`; ClasseurRefuse otherwise."""
    try:
        livre = load_workbook(io.BytesIO(contenu), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ClasseurRefuse(
            [f"{fichier} : ce n'est pas un classeur XLSX lisible ({type(exc).__name__})"]
        ) from None
    noms = {normaliser(n): n for n in livre.sheetnames}
    attendues = [*enquete.FEUILLES, enquete.FEUILLE_SOURCES]
    presentes = [f for f in attendues if normaliser(f) in noms]
    if not presentes:
        raise ClasseurRefuse(
            [
                f"{fichier} : ce classeur n'est pas un classeur de l'enquête nationale PRE "
                f"(feuilles trouvées : {', '.join(f'« {n} »' for n in livre.sheetnames)} ; "
                f"attendues : {', '.join(f'« {n} »' for n in attendues)})"
            ]
        )
    erreurs = [f"{fichier} : feuille « {f} » absente" for f in attendues if f not in presentes]
    for nom in livre.sheetnames:
        if normaliser(nom) not in {normaliser(f) for f in attendues}:
            erreurs.append(f"{fichier} : feuille « {nom} » inattendue (non lue)")
    valeurs: list[Valeur] = []
    annees: dict[str, int | None] = {}
    seuils: dict[str, int | None] = {}
    identite: dict[str, str] = {}
    for nom in presentes:
        feuille = _Feuille(fichier, nom, livre[noms[normaliser(nom)]])
        annees[nom], seuils[nom] = _en_tete(feuille, nom)
        if nom == enquete.FEUILLE_SOURCES:
            identite = _identification(feuille)
            erreurs.extend(feuille.erreurs)  # the definitions below are documentation
            continue
        position = 0
        for bloc in enquete.FEUILLES[nom]:
            position = _LIRE[type(bloc).__name__](
                feuille, bloc, seuils[nom] or SEUIL_ENQUETE, position, valeurs
            )
        feuille.non_lues()
        erreurs.extend(feuille.erreurs)
    if identite.get(enquete.ANNEE):
        annees[enquete.FEUILLE_SOURCES + " (identification)"] = (
            int(identite[enquete.ANNEE]) if identite[enquete.ANNEE].isdigit() else None
        )
    erreurs.extend(
        _par_feuille(
            fichier,
            annees,
            lambda a: (
                "année du classeur introuvable"
                if a is None
                else f"classeur de l'année {a}, alors que l'enquête consolidée porte sur l'année "
                f"{annee}"
            ),
            lambda a: a != annee,
        )
    )
    erreurs.extend(
        _par_feuille(
            fichier,
            seuils,
            lambda s: (
                f"classeur établi au seuil de {s} enfants ; l'enquête nationale demande "
                f"le seuil de {SEUIL_ENQUETE}"
            ),
            lambda s: s is not None and s != SEUIL_ENQUETE,
        )
    )
    perimetre = identite.get(enquete.PERIMETRE)
    if perimetre and normaliser(perimetre) != normaliser(enquete.PROGRAMME_ENTIER):
        erreurs.append(
            f"{fichier}, feuille « {enquete.FEUILLE_SOURCES} » : chiffres limités à "
            f"« {perimetre} » ; l'enquête porte sur le programme entier"
        )
    communes = tuple(c.strip() for c in identite.get(enquete.COMMUNES, "").split(";") if c.strip())
    for code in communes:
        if not re.fullmatch(r"\d{5}|2[AB]\d{3}", code):
            erreurs.append(
                f"{fichier}, feuille « {enquete.FEUILLE_SOURCES} » : code commune « {code} » "
                "illisible (5 caractères INSEE attendus)"
            )
    if erreurs:
        raise ClasseurRefuse(erreurs)
    return Reponse(
        fichier=fichier,
        empreinte=hashlib.sha256(contenu).hexdigest(),
        pre_id=identite[enquete.IDENTIFIANT],
        nom=identite[enquete.NOM],
        communes=communes,
        annee=annee,
        seuil=SEUIL_ENQUETE,
        valeurs=valeurs,
    )


def controler(fichiers: list[tuple[str, bytes]], annee: int) -> Controle:
    """Read every workbook; refusals and duplicates (same PRE and year) are set apart."""
    reponses: list[Reponse] = []
    refus: dict[str, list[str]] = {}
    for nom, contenu in fichiers:
        try:
            reponses.append(lire_classeur(nom, contenu, annee))
        except ClasseurRefuse as exc:
            refus[nom] = exc.messages
    par_pre: dict[tuple[str, int], list[Reponse]] = {}
    for r in reponses:
        par_pre.setdefault((r.pre_id, r.annee), []).append(r)
    doublons = {cle: liste for cle, liste in par_pre.items() if len(liste) > 1}
    return Controle([r for r in reponses if (r.pre_id, r.annee) not in doublons], refus, doublons)


def message_doublon(cle: tuple[str, int], reponses: list[Reponse]) -> str:
    pre_id, annee = cle
    fichiers = ", ".join(f"« {r.fichier} »" for r in reponses)
    identiques = len({r.empreinte for r in reponses}) == 1
    return (
        f"{len(reponses)} classeurs pour le PRE « {reponses[0].nom} » ({pre_id}), année "
        f"{annee} : {fichiers}"
        + (" (fichiers identiques)" if identiques else "")
        + ". Lequel garder ?"
    )
