"""Validation of a programme file before anything is written: every error located and explained.

Nothing here writes to the database. Direct identifiers are detected by column name and by content;
the column is dropped (and the report says so) or the file refused, as configured. Personal data
hidden in a free-text cell (a name with a birth date, a disguised phone number…, see
`identifiants`) refuses the file, or is masked when so configured; no message repeats it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from pre_pilotage.francais import accord, effectif
from pre_pilotage.importation import identifiants
from pre_pilotage.importation.lecture import Tableau, normaliser_entete
from pre_pilotage.importation.schemas import (
    COLONNES_DATE_NAISSANCE,
    COLONNES_IDENTIFIANTES,
    Colonne,
    Format,
)

ERREURS_MAX = 500
VALEUR_MASQUEE = "(valeur masquée : donnée personnelle)"
# What to do with personal data found inside a free-text cell (a title, a carrier, an EPS name).
TEXTES_PERSONNELS = ("refuser", "masquer")
PREFIXE_MASQUE = "masqué-"

_COURRIEL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
# Bounded by non-alphanumerics, so that hexadecimal pseudonyms are not taken for phone numbers.
_TELEPHONE = re.compile(r"(?<![\w+])(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\w)")
_NIR = re.compile(
    r"(?<!\w)[12]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?\d{2}\s?\d{3}\s?\d{3}(?:\s?\d{2})?(?!\w)"
)
_ADRESSE = re.compile(
    r"\b\d{1,4}\s*(?:bis|ter)?\s*,?\s*(?:rue|avenue|av\.|boulevard|bd|chemin|all[ée]e|impasse|"
    r"place|route|quai|cours|r[ée]sidence)\b",
    re.IGNORECASE,
)
_SEPARATEURS = re.compile(r"[\s.-]")
_JJ_MM_AA = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})")
_JJ_MM_AAAA = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_DIX_CHIFFRES = re.compile(r"\d{10}")
_FORMULE = re.compile(r"^[=+@]|^-[^\d\s]|^\t|^\r")
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")

# Accepted spellings beyond the nomenclature's code and label.
ALIAS_CODES = {
    "sexe": {
        "fille": "F",
        "feminin": "F",
        "femme": "F",
        "garcon": "M",
        "g": "M",
        "masculin": "M",
        "homme": "M",
    },
    "profil": {"profil_1": "1", "profil_2": "2", "profil_3": "3"},
    "orienteur": {
        "education_nationale": "ecole",
        "etablissement_scolaire": "ecole",
        "ssd": "service_social_departemental",
        "service_social": "service_social_departemental",
    },
    "niveau": {
        "intercommunale": "intercommunal",
        "communale": "communal",
        "locale": "communal",
        "local": "communal",
    },
}


@dataclass(frozen=True)
class Erreur:
    fichier: str
    ligne: int
    colonne: str
    valeur: str
    attendu: str


@dataclass
class Reference:
    """What the rows are checked against, read from the database before validation."""

    pre_id: str
    annee: int
    nomenclatures: dict[str, dict[str, str]]  # domain -> {normalised code or label: code}
    communes: set[str]  # the programme's communes
    qpv: dict[str, set[str]]  # code -> its communes
    uai: set[str]
    cites: set[str]
    # Numbers (as the files write them) of the programme's fiches of the year in the database.
    fiches_annee: set[str]
    parcours: set[str]  # pseudonymised parcours ids already in the database for the programme
    # Pseudonymised child ids already in the database for the programme.
    beneficiaires: set[str] = field(default_factory=set)
    # Words of the base's place names (communes, QPV): never taken for a person's name.
    lieux: frozenset[str] = frozenset()
    # Pseudonymisation key: a masked text becomes a keyed pseudonym (the same text, the same
    # mask, so that a masked fiche id still links a fiche to its financing).
    cle: bytes = b""
    # The programme's fiches in the database: (year, number) -> fiche_id (the database's key).
    fiches: dict[tuple[int, str], str] = field(default_factory=dict)


@dataclass
class Resultat:
    lignes: list[dict] = field(default_factory=list)
    erreurs: list[Erreur] = field(default_factory=list)
    remarques: list[str] = field(default_factory=list)


def _qpv_attendu(ref: Reference) -> str:
    """What a QPV code should be, with an example taken from this base (a QPV of the
    programme's communes when there is one), never a code of another territory."""
    du_programme = sorted(c for c, communes in ref.qpv.items() if communes & ref.communes)
    exemple = (du_programme or sorted(ref.qpv) or [None])[0]
    if exemple is None:
        return (
            "le code d'un QPV de la géographie chargée, mais aucun QPV n'est chargé : "
            "construisez la géographie avec ses quartiers (make geodata)"
        )
    return f"le code d'un QPV de la géographie chargée (ex. {exemple})"


def _valeur_affichee(valeur: str) -> str:
    return valeur if len(valeur) <= 60 else valeur[:57] + "…"


def _donnee_personnelle(texte: str) -> str | None:
    # The costly patterns are only tried where they can match (same answers, in the same order):
    # an e-mail needs "@"; a NIR (13 digits) or a phone number (10) is a run of digits with at
    # most single separators; an address needs a digit.
    arobase = "@" in texte
    chiffres = sum(map(str.isdigit, texte))
    if not chiffres and not arobase:
        return None
    if arobase and _COURRIEL.search(texte):
        return "une adresse électronique"
    if chiffres >= 10 and _DIX_CHIFFRES.search(_SEPARATEURS.sub("", texte)):
        if _NIR.search(texte):
            return "un numéro de sécurité sociale"
        if _TELEPHONE.search(texte):
            return "un numéro de téléphone"
    if chiffres and _ADRESSE.search(texte):
        return "une adresse postale"
    return None


def attendu_sans_donnee_personnelle(nature: str) -> str:
    return f"aucune donnée personnelle (la cellule contient {nature})"


def _defaut(
    texte: str, identifiant: bool = False, lieux: frozenset[str] = frozenset()
) -> tuple[str, str] | None:
    """(value shown, what was expected) when a cell's text may not be imported, else None.

    `identifiant`: the cell is pseudonymised at the door (only the plain patterns apply).
    Personal data are looked for first, so that no message repeats them (« +33 6… » would
    otherwise be shown as a formula)."""
    nature = _donnee_personnelle(texte)
    if nature is None and not identifiant:
        nature = identifiants.detecter(texte, lieux)
    if nature:
        return VALEUR_MASQUEE, attendu_sans_donnee_personnelle(nature)
    if _FORMULE.match(texte):
        return (
            texte,
            "une valeur simple, pas une formule de tableur (la cellule commence par = + - ou @)",
        )
    if _HTML.search(texte):
        return texte, "du texte sans balise HTML ni script"
    return None


def affichable(texte: str) -> str:
    """A value as an error message may repeat it: masked when it holds personal data (an
    identifier pseudonymised at the door may be a child's name and birth date)."""
    if _donnee_personnelle(texte) or identifiants.detecter(texte):
        return VALEUR_MASQUEE
    return texte


def masque(texte: str, cle: bytes) -> str:
    """The neutral value a masked text is stored as (keyed: the same text, the same mask)."""
    from pre_pilotage.pseudonymisation import pseudonyme

    if cle:
        return pseudonyme(cle, "texte_masque", texte, PREFIXE_MASQUE)[:18]
    import hashlib

    return PREFIXE_MASQUE + hashlib.sha256(texte.encode()).hexdigest()[:11]


def lire_date(texte: str) -> dt.date:
    # The format French spreadsheets write, without strptime's cost (same result and errors).
    if correspondance := _JJ_MM_AAAA.fullmatch(texte):
        jour, mois, annee = map(int, correspondance.groups())
        return dt.date(annee, mois, jour)
    for motif in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(texte, motif).date()
        except ValueError:
            continue
    if correspondance := _JJ_MM_AA.fullmatch(texte):
        # « 15/09/24 », as spreadsheets print short dates: the programme's dates are all of
        # this century (PRE exist since 2005; birth dates keep only their year, 20AA too).
        jour, mois, annee = map(int, correspondance.groups())
        return dt.date(2000 + annee, mois, jour)
    raise ValueError


_MOIS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_FORME_DE_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")


def date_impossible(texte: str) -> str | None:
    """What is wrong with a well-written date that does not exist (31/02/2025), in French;
    None when the text is not shaped like a date or the date exists."""
    forme = _FORME_DE_DATE.fullmatch(texte.strip())
    if forme is None:
        return None
    j, m, a, a2, m2, j2 = forme.groups()
    jour, mois, annee = (int(j), int(m), int(a)) if a else (int(j2), int(m2), int(a2))
    ecrite = f"{jour:02d}/{mois:02d}/{annee}"
    if not 1 <= mois <= 12:
        return f"{ecrite} n'existe pas : il n'y a pas de mois {mois}"
    dernier = calendar.monthrange(annee, mois)[1]
    if not 1 <= jour <= dernier:
        return f"{ecrite} n'existe pas : {_MOIS[mois - 1]} {annee} a {dernier} jours"
    return None


def lire_nombre(texte: str) -> float:
    propre = re.sub(r"[\s\u00a0\u202f€]", "", texte)
    if re.fullmatch(r"-?\d+(,\d+)?", propre):
        return float(propre.replace(",", "."))
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", propre):  # 1.234,56
        return float(propre.replace(".", "").replace(",", "."))
    if re.fullmatch(r"-?\d+(\.\d+)?", propre):
        return float(propre)
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", propre):  # 1,234.56
        return float(propre.replace(",", ""))
    raise ValueError


def lire_booleen(texte: str) -> bool:
    cle = normaliser_entete(texte)
    if cle in ("oui", "o", "1", "vrai", "x", "yes", "true"):
        return True
    if cle in ("non", "n", "0", "faux", "no", "false"):
        return False
    raise ValueError


class Validateur:
    def __init__(
        self,
        tableau: Tableau,
        format_: Format,
        reference: Reference,
        politique: str,
        textes: str = "refuser",
    ):
        self.tableau = tableau
        self.format = format_
        self.ref = reference
        self.politique = politique
        if textes not in TEXTES_PERSONNELS:
            raise ValueError(f"Politique inconnue : {textes}")
        self.textes = textes
        self.resultat = Resultat()
        # A file repeats the same codes, dates and numbers: each distinct text is checked and
        # converted once per file (memos dropped with the validator, so no cell outlives it).
        self._defauts: dict[tuple[str, bool], tuple[str, str] | None] = {}
        # Masked cells per column: {column: {kind of data: [line numbers]}} (for the report).
        self._masques: dict[str, dict[str, list[int]]] = {}
        self._qpv_attendu: str | None = None  # what a QPV code should be (computed once)
        self._conversions: dict[tuple[str, str], tuple[bool, object]] = {}
        # A child met on an earlier line (several parcours): its line, sex and year of birth.
        self._enfants: dict[str, tuple[int, str | None, int | None]] = {}

    def erreur(self, ligne: int, colonne: str, valeur: str, attendu: str) -> None:
        if len(self.resultat.erreurs) < ERREURS_MAX:
            self.resultat.erreurs.append(
                Erreur(self.tableau.fichier, ligne, colonne, _valeur_affichee(valeur), attendu)
            )

    # -- columns ------------------------------------------------------------------------------
    def _colonnes(self) -> dict[str, int] | None:
        """Map each known column to its index; drop or refuse identifying columns."""
        par_nom: dict[str, Colonne] = {}
        for colonne in self.format.colonnes:
            par_nom[colonne.nom] = colonne
            for alias in colonne.alias:
                par_nom[alias] = colonne
        indices: dict[str, int] = {}
        self.naissance: int | None = None
        inconnues = []
        for i, (entete, original) in enumerate(
            zip(self.tableau.entetes, self.tableau.entetes_originaux, strict=True)
        ):
            if not entete:
                if any(i < len(cellules) and cellules[i] for _, cellules in self.tableau.lignes):
                    self.erreur(
                        self.tableau.ligne_entetes,
                        f"colonne {i + 1}",
                        "",
                        "un nom de colonne (en-tête vide)",
                    )
                continue
            if entete not in par_nom and (alias := _identifiante_par_sens(entete)):
                entete = alias  # « Nom de l'enfant », « Téléphone du parent »…
            if entete in COLONNES_IDENTIFIANTES or entete in COLONNES_DATE_NAISSANCE:
                nature = COLONNES_IDENTIFIANTES.get(entete, "date de naissance exacte")
                if entete in COLONNES_DATE_NAISSANCE:
                    self.naissance = i
                if self.politique == "refuser":
                    self.erreur(
                        self.tableau.ligne_entetes,
                        original,
                        "",
                        f"aucune donnée identifiante ({nature}) : retirez cette colonne du fichier",
                    )
                elif entete in COLONNES_DATE_NAISSANCE:
                    self.resultat.remarques.append(
                        f"Colonne « {original} » (date de naissance exacte) : seule l'année de "
                        "naissance est conservée, la date n'est pas enregistrée."
                    )
                else:
                    self.resultat.remarques.append(
                        f"Colonne « {original} » ({nature}) supprimée : les données "
                        "identifiantes ne sont jamais enregistrées."
                    )
                continue
            colonne = par_nom.get(entete)
            if colonne is None:
                inconnues.append(original)
                continue
            if colonne.nom in indices:
                self.erreur(
                    self.tableau.ligne_entetes, original, "", f"une seule colonne « {colonne.nom} »"
                )
                continue
            indices[colonne.nom] = i
        for original in inconnues:
            attendues = ", ".join(c.nom for c in self.format.colonnes)
            self.erreur(
                self.tableau.ligne_entetes,
                original,
                "",
                f"une colonne connue du format « {self.format.libelle} » "
                f"(colonnes acceptées : {attendues}) ; retirez les autres colonnes, qui "
                "pourraient contenir des données personnelles",
            )
        for colonne in self.format.colonnes:
            absente = colonne.nom not in indices
            if colonne.nom == "annee_naissance" and self.naissance is not None:
                absente = False
            if colonne.obligatoire and absente:
                self.erreur(
                    self.tableau.ligne_entetes,
                    colonne.nom,
                    "",
                    "cette colonne obligatoire (absente du fichier)",
                )
        return indices

    # -- cells --------------------------------------------------------------------------------
    def _convertir(self, colonne: Colonne, texte: str, ligne: int):
        if colonne.type in ("texte", "identifiant"):
            return self._convertir_sans_memo(colonne, texte, ligne)
        cle = (colonne.nom, texte)
        if cle not in self._conversions:
            try:
                self._conversions[cle] = (True, self._convertir_sans_memo(colonne, texte, ligne))
            except ValueError as exc:
                self._conversions[cle] = (False, str(exc))
        reussi, valeur = self._conversions[cle]
        if not reussi:
            raise ValueError(valeur)
        return list(valeur) if isinstance(valeur, list) else valeur

    def _convertir_sans_memo(self, colonne: Colonne, texte: str, ligne: int):
        if colonne.type in ("texte", "identifiant"):
            if len(texte) > 300:
                raise ValueError("un texte de 300 caractères au plus")
            return texte
        if colonne.type == "date":
            try:
                valeur = _serie_excel(texte) or lire_date(texte)
            except ValueError:
                if impossible := date_impossible(texte):
                    raise ValueError(f"une date qui existe ({impossible})") from None
                raise ValueError("une date JJ/MM/AAAA ou AAAA-MM-JJ") from None
            if not dt.date(1990, 1, 1) <= valeur <= dt.date(2100, 12, 31):
                raise ValueError("une date entre 1990 et 2100")
            return valeur
        if colonne.type in ("entier", "annee"):
            try:
                nombre = lire_nombre(texte)
            except ValueError:
                raise ValueError("un nombre entier") from None
            if not nombre.is_integer():
                raise ValueError("un nombre entier")
            valeur = int(nombre)
        elif colonne.type in ("decimal", "montant"):
            try:
                valeur = lire_nombre(texte)
            except ValueError:
                raise ValueError(
                    "un montant en euros (ex. 1 234,56)"
                    if colonne.type == "montant"
                    else "un nombre (ex. 0,8)"
                ) from None
            if colonne.type == "montant" and valeur < 0:
                raise ValueError("un montant positif ou nul (montant négatif)")
        elif colonne.type == "booleen":
            try:
                return lire_booleen(texte)
            except ValueError:
                raise ValueError("oui ou non") from None
        elif colonne.type == "code":
            return self._code(colonne, texte)
        elif colonne.type == "liste":
            morceaux = [m.strip() for m in re.split(r"[|;,]", texte) if m.strip()]
            if not morceaux:
                raise ValueError("au moins une valeur")
            return sorted({self._code(colonne, m) for m in morceaux})
        else:  # pragma: no cover - a format declared with an unknown type
            raise AssertionError(colonne.type)
        if colonne.minimum is not None and valeur < colonne.minimum:
            raise ValueError(f"une valeur d'au moins {colonne.minimum:g}".replace(".", ","))
        if colonne.maximum is not None and valeur > colonne.maximum:
            raise ValueError(f"une valeur d'au plus {colonne.maximum:g}".replace(".", ","))
        return valeur

    def _code(self, colonne: Colonne, texte: str) -> str:
        permis = self.ref.nomenclatures.get(colonne.domaine, {})
        cle = normaliser_entete(texte)
        code = permis.get(cle) or ALIAS_CODES.get(colonne.domaine, {}).get(cle)
        if code is None:
            exemples = sorted({v for v in permis.values()})
            raise ValueError(f"une de ces valeurs : {', '.join(exemples)}")
        return code

    # -- rows ---------------------------------------------------------------------------------
    def valider(self) -> Resultat:
        if self.tableau.avant_entetes:
            numeros = [str(n) for n, _ in self.tableau.avant_entetes]
            pluriel = "s" if len(numeros) > 1 else ""
            lignes = f"ligne{pluriel} {', '.join(numeros)} ignorée{pluriel}"
            textes = " ; ".join(
                " ".join(c for c in cellules if c) for _, cellules in self.tableau.avant_entetes
            )
            self.resultat.remarques.append(
                f"En-têtes lus ligne {self.tableau.ligne_entetes} ; {lignes} (titre au-dessus "
                "du tableau : "
                f"« {textes[:120]} »)."
            )
        indices = self._colonnes()
        if self.resultat.erreurs:
            return self.resultat
        deja_vues: dict[tuple, int] = {}
        for numero, cellules in self.tableau.lignes:
            ligne: dict = {"_ligne": numero}
            valide = True
            for colonne in self.format.colonnes:
                i = indices.get(colonne.nom)
                texte = cellules[i] if i is not None and i < len(cellules) else ""
                texte = self._texte_sain(numero, colonne, texte)
                if texte is None:
                    valide = False
                    continue
                if not texte:
                    if colonne.obligatoire and not (
                        colonne.nom == "annee_naissance" and self.naissance is not None
                    ):
                        self.erreur(numero, colonne.nom, "", "une valeur (colonne obligatoire)")
                        valide = False
                    ligne[colonne.nom] = None
                    continue
                try:
                    ligne[colonne.nom] = self._convertir(colonne, texte, numero)
                except ValueError as exc:
                    self.erreur(numero, colonne.nom, texte, str(exc))
                    valide = False
            if self.naissance is not None:
                valide &= self._annee_depuis_date(numero, cellules, ligne)
            if not valide:
                continue
            cle = tuple(ligne.get(c) for c in self.format.cle)
            if cle in deja_vues:
                self.erreur(
                    numero,
                    ", ".join(self.format.cle),
                    affichable(" / ".join(map(str, cle))),
                    f"une ligne unique (même identifiant qu'à la ligne {deja_vues[cle]})",
                )
                continue
            deja_vues[cle] = numero
            if self._controles_metier(numero, ligne):
                self.resultat.lignes.append(ligne)
        self._signaler_masques()
        return self.resultat

    def _texte_sain(self, numero: int, colonne: Colonne, texte: str) -> str | None:
        """The cell's text as it may be imported (masked if so configured), None if refused."""
        if not texte:
            return texte
        identifiant = colonne.type == "identifiant"
        cle = (texte, identifiant)
        if cle not in self._defauts:
            self._defauts[cle] = _defaut(texte, identifiant, self.ref.lieux)
        defaut = self._defauts[cle]
        if defaut is None:
            return texte
        valeur, attendu = defaut
        if valeur == VALEUR_MASQUEE and colonne.type == "texte" and self.textes == "masquer":
            nature = attendu.removeprefix("aucune donnée personnelle (la cellule contient ")
            self._masques.setdefault(colonne.nom, {}).setdefault(nature[:-1], []).append(numero)
            return masque(texte, self.ref.cle)
        self.erreur(numero, colonne.nom, valeur, attendu)
        return None

    def _signaler_masques(self) -> None:
        for colonne, natures in self._masques.items():
            lignes = sorted({n for numeros in natures.values() for n in numeros})
            cites = ", ".join(map(str, lignes[:20])) + (" …" if len(lignes) > 20 else "")
            self.resultat.remarques.append(
                f"Colonne « {colonne} » : {effectif(len(lignes), 'texte')} contenant "
                + " ou ".join(sorted(natures))
                + f" {accord(len(lignes), 'masqué', 'masqués')} "
                + f"({accord(len(lignes), 'ligne')} {cites}) ; "
                + accord(len(lignes), "il est enregistré", "ils sont enregistrés")
                + f" sous une valeur neutre « {PREFIXE_MASQUE}… »."
            )

    def _annee_depuis_date(self, numero: int, cellules: list[str], ligne: dict) -> bool:
        texte = cellules[self.naissance] if self.naissance < len(cellules) else ""
        if not texte:
            return True
        try:
            annee = lire_date(texte).year
        except ValueError:
            self.erreur(numero, "date_naissance", VALEUR_MASQUEE, "une date JJ/MM/AAAA")
            return False
        if ligne.get("annee_naissance") is None:
            ligne["annee_naissance"] = annee
        return True

    def _controles_metier(self, numero: int, ligne: dict) -> bool:
        """Cross-column and reference checks; True when the row can be written."""
        avant = len(self.resultat.erreurs)
        ref, annee = self.ref, self.ref.annee
        # Official codes are written in capitals (« QN09421M », « 0941057N »); a spreadsheet's
        # « qn09421m » is the same quartier (an outside test had it refused).
        for nom in ("code_qpv", "uai"):
            if isinstance(ligne.get(nom), str):
                ligne[nom] = ligne[nom].strip().upper()
        if ligne.get("programme") and ligne["programme"] != ref.pre_id:
            self.erreur(
                numero,
                "programme",
                ligne["programme"],
                f"le programme importé ({ref.pre_id}) : ce fichier concerne un autre programme",
            )
        for nom in ("commune_residence", "commune"):
            if ligne.get(nom) and ligne[nom] not in ref.communes:
                self.erreur(
                    numero,
                    nom,
                    ligne[nom],
                    "le code INSEE d'une commune d'intervention du programme"
                    + (f" (ex. {min(ref.communes)})" if ref.communes else ""),
                )
        if ligne.get("code_qpv") and ligne["code_qpv"] not in ref.qpv:
            if self._qpv_attendu is None:
                self._qpv_attendu = _qpv_attendu(ref)
            self.erreur(numero, "code_qpv", ligne["code_qpv"], self._qpv_attendu)
        if ligne.get("uai") and ref.uai and ligne["uai"] not in ref.uai:
            self.erreur(numero, "uai", ligne["uai"], "l'UAI d'un établissement du référentiel")
        code = self.format.code
        if code == "beneficiaires":
            self._controler_parcours(numero, ligne, annee)
        elif code == "actions":
            if ligne["date_debut"].year != annee:
                self.erreur(
                    numero,
                    "date_debut",
                    ligne["date_debut"].strftime("%d/%m/%Y"),
                    f"une date de l'année importée ({annee})",
                )
        elif code in ("eps", "gouvernance"):
            if ligne["date_reunion"].year != annee:
                self.erreur(
                    numero,
                    "date_reunion",
                    ligne["date_reunion"].strftime("%d/%m/%Y"),
                    f"une date de l'année importée ({annee})",
                )
            if code == "eps":
                for uai in (ligne.get("etablissements") or "").split("|"):
                    if uai.strip() and ref.uai and uai.strip() not in ref.uai:
                        self.erreur(
                            numero, "etablissements", uai, "l'UAI d'un établissement du référentiel"
                        )
            if code == "gouvernance":
                cite = ligne.get("cite_educative")
                if cite and cite not in ref.cites:
                    self.erreur(
                        numero,
                        "cite_educative",
                        cite,
                        "l'identifiant d'une Cité éducative chargée (ex. cite-076)",
                    )
                if ligne["instance"] in ("copil_cite", "copil_conjoint") and not cite:
                    self.erreur(
                        numero, "cite_educative", "", "la Cité éducative concernée par ce comité"
                    )
        elif code in ("fiches_action", "equipe"):
            if ligne["annee"] != annee:
                self.erreur(numero, "annee", str(ligne["annee"]), f"l'année importée ({annee})")
            if code == "fiches_action":
                if ligne["niveau"] == "communal" and not ligne.get("commune"):
                    self.erreur(numero, "commune", "", "la commune d'une fiche communale")
        elif code == "financements":
            if ligne["identifiant_fiche"] not in ref.fiches_annee:
                self.erreur(
                    numero,
                    "identifiant_fiche",
                    ligne["identifiant_fiche"],
                    f"une fiche-action {annee} du programme (importez aussi le fichier "
                    "des fiches-action)",
                )
            prevu, accorde, verse = (
                ligne.get(c) for c in ("montant_prevu", "montant_accorde", "montant_verse")
            )
            if accorde is not None and verse is not None and verse > accorde:
                self.erreur(
                    numero,
                    "montant_verse",
                    str(verse).replace(".", ","),
                    "un montant versé au plus égal au montant accordé",
                )
            del prevu
        return len(self.resultat.erreurs) == avant

    def _controler_parcours(self, numero: int, ligne: dict, annee: int) -> None:
        enfant = ligne.get("identifiant_enfant")
        if enfant is not None:
            attributs = (ligne.get("sexe"), ligne.get("annee_naissance"))
            premiere = self._enfants.setdefault(enfant, (numero, *attributs))
            for colonne, avant, ici in zip(
                ("sexe", "annee_naissance"), premiere[1:], attributs, strict=True
            ):
                if premiere[0] != numero and avant != ici:
                    # The child's row keeps one sex and one year of birth: say which line.
                    self.erreur(
                        numero,
                        colonne,
                        str(ici),
                        f"« {avant} » comme à la ligne {premiere[0]} pour le même enfant "
                        f"({affichable(enfant)})",
                    )
        entree, sortie = ligne["date_entree"], ligne.get("date_sortie")
        if sortie and sortie < entree:
            self.erreur(
                numero,
                "date_sortie",
                sortie.strftime("%d/%m/%Y"),
                f"une date postérieure à l'entrée ({entree.strftime('%d/%m/%Y')})",
            )
        if sortie and not ligne.get("motif_sortie"):
            self.erreur(numero, "motif_sortie", "", "le motif de sortie (le parcours est clos)")
        if entree > dt.date(annee, 12, 31) or (sortie and sortie < dt.date(annee, 1, 1)):
            self.erreur(
                numero,
                "date_entree",
                entree.strftime("%d/%m/%Y"),
                f"un parcours actif en {annee} (entrée au plus tard le 31/12/{annee}, "
                f"sortie au plus tôt le 01/01/{annee})",
            )
        age = entree.year - (ligne.get("annee_naissance") or entree.year)
        if not 0 <= age <= 20:
            self.erreur(
                numero,
                "annee_naissance",
                str(ligne.get("annee_naissance")),
                f"une année de naissance plausible (l'enfant aurait {age} ans à "
                "l'entrée ; le PRE accompagne les 2-16 ans)",
            )
        orientation, eps = ligne.get("date_orientation"), ligne.get("date_premiere_eps")
        if orientation and orientation > entree:
            self.erreur(
                numero,
                "date_orientation",
                orientation.strftime("%d/%m/%Y"),
                "une date d'orientation antérieure ou égale à l'entrée",
            )
        if orientation and eps and eps < orientation:
            self.erreur(
                numero,
                "date_premiere_eps",
                eps.strftime("%d/%m/%Y"),
                "une date d'examen en EPS postérieure à l'orientation",
            )
        if ligne.get("code_qpv") and ligne.get("commune_residence"):
            communes_qpv = self.ref.qpv.get(ligne["code_qpv"])
            if communes_qpv and ligne["commune_residence"] not in communes_qpv:
                self.erreur(
                    numero,
                    "code_qpv",
                    ligne["code_qpv"],
                    f"un QPV de la commune de résidence ({ligne['commune_residence']})",
                )


def entetes_connues(format_: Format) -> frozenset[str]:
    """Normalised column names (and their aliases) of a format: what tells its header row."""
    return frozenset(n for c in format_.colonnes for n in (c.nom, *c.alias))


def valider(
    tableau: Tableau,
    format_: Format,
    reference: Reference,
    politique: str,
    textes: str = "refuser",
) -> Resultat:
    return Validateur(tableau, format_, reference, politique, textes).valider()


# Day numbers of Excel's 1900 date system for 1990-01-01 to 2100-12-31: a date column formatted
# as numbers in a spreadsheet (an outside test's « 45708 » was refused as not a date).
_SERIES_EXCEL = (32874, 73415)


def _serie_excel(texte: str) -> dt.date | None:
    """The date of an Excel day number (« 45708 » is 20/02/2025), else None."""
    brut = texte.strip()
    if not (brut.isdigit() and len(brut) == 5):
        return None
    numero = int(brut)
    if not _SERIES_EXCEL[0] <= numero <= _SERIES_EXCEL[1]:
        return None
    return dt.date(1899, 12, 30) + dt.timedelta(days=numero)


# Words of a header that name a direct identifier, whatever the words around them (an outside
# test's « Nom de l'enfant » was refused as an unknown column, without saying why).
_MOTS_IDENTIFIANTS = {
    "nom": "nom",
    "prenom": "prenom",
    "prenoms": "prenom",
    "adresse": "adresse",
    "telephone": "telephone",
    "tel": "telephone",
    "portable": "telephone",
    "courriel": "courriel",
    "mail": "courriel",
    "email": "courriel",
    "nir": "nir",
    "secu": "nir",
}


def _identifiante_par_sens(entete: str) -> str | None:
    """The identifying header a normalised header means (« nom_de_l_enfant » -> « nom »,
    « date_de_naissance_de_l_enfant » -> « date_naissance »), else None."""
    mots = entete.split("_")
    if "naissance" in mots and ("date" in mots or "ne" in mots or "nee" in mots):
        return "date_naissance"
    return next((_MOTS_IDENTIFIANTS[m] for m in mots if m in _MOTS_IDENTIFIANTS), None)
