"""Personal data hidden in free text (titles, carriers, EPS names, ids, file names), disguised or not.

`detecter(texte)` gives the kind of data found, as a French phrase (« un numéro de sécurité
sociale »…), or None. The patterns survive the usual disguises: separators between digits
(spaces, dots, slashes, dashes, underscores), `(at)`/`[at]`/` arobase ` in e-mail addresses,
+33 (0) phone prefixes, Corsican NIR (2A/2B), every French date form. A name alone, a date alone
or a word such as « violences » alone is ordinary programme text (« Collège Jean Jaurès »,
« Séance du 12/03/2025 », « Prévention des violences ») and passes; a name next to a date, an
address or a word revealing a family's situation does not.
"""

from __future__ import annotations

import functools
import re
import unicodedata

ADRESSE_ELECTRONIQUE = "une adresse électronique"
NIR = "un numéro de sécurité sociale"
TELEPHONE = "un numéro de téléphone"
ADRESSE_POSTALE = "une adresse postale"
DATE_NAISSANCE = "une date de naissance"
NOM_ET_DATE = "un nom de personne et une date"
NOM_ET_SITUATION = "un nom de personne associé à une situation familiale sensible"
NOM_DE_FAMILLE = "un nom de famille"
NUMERO_DOSSIER = "un numéro de dossier, d'allocataire ou d'élève non pseudonymisé"

# Invisible characters and look-alikes an attacker slips between the characters of an identifier.
_INVISIBLES = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"), None)
_ESPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u200a\u3000\t"), " ")


def normaliser(texte: str) -> str:
    """Full-width forms folded (NFKC), invisible characters removed, spaces made plain."""
    return unicodedata.normalize("NFKC", texte).translate(_INVISIBLES).translate(_ESPACES)


def _cle(mot: str) -> str:
    """`Thérèse` -> `therese` (accents and case ignored)."""
    return unicodedata.normalize("NFKD", mot).encode("ascii", "ignore").decode().lower()


# -- e-mail addresses --------------------------------------------------------------------------
_AROBASE = re.compile(
    r"\s*(?:[(\[{<]\s*(?:at|arobase|arobas|a|chez|@)\s*[)\]}>]|\s(?:at|arobase|arobas)\s|@)\s*",
    re.IGNORECASE,
)
_POINT = re.compile(
    r"\s*(?:[(\[{<]\s*(?:dot|point|pt|\.)\s*[)\]}>]|\s(?:dot|point)\s)\s*", re.IGNORECASE
)
_COURRIEL = re.compile(
    r"[\w.+\-]+@[\w\-]+(?:\s*\.\s*[\w\-]+)*\s*\.\s*(?:fr|com|net|org|eu|info|io|be|ch|re|biz|me|"
    r"gouv|gov|edu|ac|asso|email|mail)\b"
    r"|[\w.+\-]+@\s*(?:gmail|hotmail|yahoo|orange|free|laposte|wanadoo|outlook|sfr|live|icloud|"
    r"neuf|aol|protonmail|proton|msn|numericable|bbox)\b",
    re.IGNORECASE,
)

# -- numbers written with separators -----------------------------------------------------------
# A group of digits (a Corsican department 2A/2B stays one group); groups chained when only
# separators lie between them.
_GROUPE = re.compile(r"(?<![A-Za-z\d])\d+(?:[ABab])?(?![A-Za-z\d])")
_ENTRE_GROUPES = re.compile(r"[\s./_\-()+\\|,:]{0,4}")
_NIR_COMPLET = re.compile(r"[1-478]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2[AB])\d{6}(?:\d{2})?")
_TELEPHONE_COMPLET = re.compile(r"(?:0033|33|0)0?[1-9]\d{8}")

# -- postal addresses ----------------------------------------------------------------------------
_ADRESSE = re.compile(
    r"\b\d{1,4}\s*(?:bis|ter|[a-d])?\s*,?\s*(?:rue|r\.|avenue|av\.?|boulevard|bd|bld|chemin|"
    r"chem\.|all[ée]e|all\.|impasse|imp\.|place|pl\.|route|rte|quai|cours|r[ée]sidence|square|"
    r"sentier|voie|hameau|lieu-dit|faubourg|fg|lotissement|lot\.|cit[ée]\s+(?:des|du|de\s+la)|"
    r"parvis|passage|villa|esplanade|promenade|mont[ée]e|rampe)(?!\w)"
    r"|\b(?:appartement|appt|apt|b[âa]timent|b[âa]t\.?|escalier|esc\.|porte)\s*(?:n°\s*)?\d+\b",
    re.IGNORECASE,
)

# -- dates ---------------------------------------------------------------------------------------
_MOIS = (
    r"janv(?:ier|\.)?|f[ée]vr(?:ier|\.)?|mars|avr(?:il|\.)?|mai|juin|juil(?:let|\.)?|ao[uû]t|"
    r"sept(?:embre|\.)?|oct(?:obre|\.)?|nov(?:embre|\.)?|d[ée]c(?:embre|\.)?"
)
_DATE = re.compile(
    r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])\s*[/.\-_ ]\s*(?:0?[1-9]|1[0-2])\s*[/.\-_ ]\s*(?:19|20)\d{2}"
    r"(?!\d)"
    r"|(?<!\d)(?:0?[1-9]|[12]\d|3[01])\s*[/.\-]\s*(?:0?[1-9]|1[0-2])\s*[/.\-]\s*\d{2}(?!\d)"
    r"|(?<!\d)(?:19|20)\d{2}\s*[/.\-_ ]\s*(?:0?[1-9]|1[0-2])\s*[/.\-_ ]\s*(?:0?[1-9]|[12]\d|3[01])"
    r"(?!\d)"
    rf"|\b(?:[12]?\d|3[01]|1er)\s*(?:{_MOIS})\s*(?:19|20)?\d{{2}}\b",
    re.IGNORECASE,
)
_NAISSANCE = re.compile(
    r"\bn[ée]e?s?\b(?:\s*\(\s*e\s*\))?|\bnaissance\b|\bnaiss\.|\bddn\b|\bdate\s+de\s+naiss|\b[ée]\s*le\b",
    re.IGNORECASE,
)

# -- file and dossier numbers --------------------------------------------------------------------
_DOSSIER = re.compile(
    r"\b(?:dossier|allocataire|matricule|caf|msa|ine|nir|s[ée]cu|cpam|mdph|n°\s*(?:caf|secu))\b"
    r"\s*(?:n\s*°|no\.?|nº|num[ée]ro|num\.?|#|:|-)?\s*"
    r"(?P<numero>[A-Za-z]{0,4}[\s\-/]?\d[\dA-Za-z\-/ ]{2,})",
    re.IGNORECASE,
)
_INE = re.compile(r"(?<![\w])\d{9}[A-Z]{2}(?![\w])|(?<![\w])\d{10}[A-Z](?![\w])")

# -- names ---------------------------------------------------------------------------------------
_MOT = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’\-]*")
# Common first names of children and parents (accents and case ignored).
PRENOMS = frozenset(
    """
    aaron abdel abdelkader abdou abdoulaye abel adam adel adele adrien agathe ahmed aicha alain
    albane alexandre alexis alice alicia aline alix amandine amaury ambre amelie amina amine anais
    andre andrea ange angele angelique anna anne annie anthony antoine antonin apolline arthur
    ayoub aya axel baptiste basile benjamin benoit bernard bilal brigitte bruno camille capucine
    carla caroline catherine celia celine charles charlie charlotte chloe christian christine
    christophe claire clara claude clement clemence coralie corentin cyril damien daniel david
    delphine denis diane dominique dylan eden eleonore elena elias elise elodie eloise elsa emilie
    emma emmanuel enzo eric ethan eva evan fabien fabrice fanny fatima fatou florence florian
    francois francoise frederic gabin gabriel gabrielle gaspard gerard gilles gregory guillaume
    hamza hana helene hugo ibrahim ines isabelle ismael issa jacques jade jean jeanne jeremy
    jerome jessica joseph josephine jules julie julien juliette justine kais karim kelly kevin
    khadija kylian laetitia laura laurence laurent lea lea leila lena leo leon leonie lilou lina
    lisa loic lola lou louis louise luc luca lucas lucie lucile madeleine mael maelle maeva mahe
    malik manon marc marcel margaux margot maria marie marine marion mathieu mathilde mathis matteo
    maxence maxime mehdi melanie melissa michel mickael mila milo mohamed mohammed monique
    moussa myriam nadia nael nathalie nathan nicolas nina noah noa noe noemie nolan oceane olivia
    olivier oscar patricia patrick paul pauline philippe pierre quentin rachid rafael raphael
    rayan remi robin romain romane rose ryan sabrina salome samir samuel sandrine sarah sacha
    sebastien serge simon sofia sofiane sophie stephane stephanie sylvie tess theo thibault thomas
    timeo tom valentin valerie victor victoire vincent virginie wassim william yanis yasmine
    yassine yohan youssef yvan yves zoe zakaria
    """.split()
)
# Capitalised words that are programme vocabulary, never half of a name.
_VOCABULAIRE = frozenset(
    """
    atelier ateliers club clubs reunion reunions seance seances session sessions eps pre ccas
    ville centre maison quartier quartiers college ecole lycee groupe scolaire association espace
    salle place rue avenue boulevard stade gymnase mediatheque bibliotheque residence cite cites
    parc caf pmi mjc departement conseil programme qpv qva commune mairie service pole accueil
    projet action actions fiche soutien accompagnement aide parentalite coup pouce cle dispositif
    equipe comite copil cotech bilan rapport annee janvier fevrier mars avril mai juin juillet
    aout septembre octobre novembre decembre lundi mardi mercredi jeudi vendredi samedi dimanche
    education educative educatif nationale national sante social sociale culture sport sports
    lecture ecriture aide devoirs famille familles parents parent enfants enfant jeunes jeune
    the le la les de du des et un une au aux en pour sur avec par dans prevention insertion
    reussite fonds etat region metropole agglomeration communaute intercommunal intercommunale
    communal communale rep reseau cmp cmpp ase aemo mdph msa cpam cnaf anct fipd clas ppre rased
    uai ime itep sessad cada chrs chu ucs ecoles colleges lycees accueils centres maisons
    numerique orthophonie psychologue psychologie referent referente coordination coordinateur
    coordinatrice directeur directrice responsable budget financement financements subvention
    contrat ville politique territoire territorial territoriale local locale nord sud est ouest
    saint sainte st ste notre dame vacances ete hiver printemps automne total semaine mois jour
    visite sortie sorties theatre musique danse cinema piscine football judo boxe musee
    """.split()
)
# A name right after these is a place or an institution (« collège Jean Jaurès »).
_INSTITUTION = frozenset(
    """
    college ecole lycee rue avenue boulevard place allee impasse centre maison espace salle stade
    gymnase mediatheque bibliotheque residence cite groupe scolaire association fondation institut
    parc square quai chemin saint sainte st ste quartier clinique hopital creche foyer piscine
    theatre cinema musee dispositif prix programme club complexe halle pole
    """.split()
)
# After these a capitalised word is a place (« à Denain », « quartier du Faubourg »).
_PREPOSITIONS = frozenset("a au aux de du des d en sur sous les la le l".split())
_CIVILITE = re.compile(
    r"^(?:m|mr|mme|mlle|melle|monsieur|madame|mademoiselle|famille|fam|fratrie|chez|epoux|"
    r"epouse|veuve|enfant|eleve)$"
)
_FAMILLE = re.compile(r"^(?:famille|fam|fratrie|epoux|epouse|veuve)$")

# Words that reveal a family's situation (only a finding next to a name).
_SITUATION = re.compile(
    r"\b(?:violen(?:ces?|t|te|ts|tes)|maltrai(?:tance|t[ée]e?s?)|battue?s?|coups\s+et\s+blessures|"
    r"plac(?:é|ée|ee|és|ées|ees)|placement|foyer\s+de\s+l'enfance|ASE|aide\s+sociale\s+[àa]\s+l'enfance|"
    r"incarc[ée]r(?:ation|[ée]e?s?)|prison|d[ée]tenue?s?|d[ée]tention|"
    r"d[ée]c[èe]s|d[ée]c[ée]d[ée]e?s?|deuil|orphelin(?:e|s|es)?|"
    r"maladies?|malades?|cancer|leuc[ée]mie|handicap(?:[ée]e?s?)?|AEEH|autis(?:me|te)|"
    r"psychiatri(?:e|que)|hospitalis(?:ation|[ée]e?s?)|"
    r"signalements?|information\s+pr[ée]occupante|IP|OPP|juge\s+des\s+enfants|AEMO|AED|"
    r"tutelle|curatelle|expuls(?:ion|[ée]e?s?)|addictions?|alcool(?:isme|ique)?|drogues?|"
    r"toxicoman(?:ie|e)|suicid(?:e|aire)|divorce|grossesse|enceinte|IVG|VIF|inceste|"
    r"abus\s+sexuels?|agressions?|viol(?:s|[ée]e?s?)?|sans[\s\-]papiers|demandeu(?:r|se)\s+d'asile|"
    r"SDF|sans\s+domicile|surendettement|d[ée]scolaris[ée]e?s?|fugue)\b",
    re.IGNORECASE,
)


def _nir_ou_telephone(texte: str) -> str | None:
    groupes = list(_GROUPE.finditer(texte))
    chaine: list[str] = []
    chaines = [chaine]
    precedent = None
    for groupe in groupes:
        if precedent is not None and not _ENTRE_GROUPES.fullmatch(
            texte, precedent.end(), groupe.start()
        ):
            chaine = []
            chaines.append(chaine)
        chaine.append(groupe.group().upper())
        precedent = groupe
    for chaine in chaines:
        for debut in range(len(chaine)):
            concatene = ""
            for fin in range(debut, len(chaine)):
                concatene += chaine[fin]
                if len(concatene) > 15:
                    break
                if len(concatene) in (13, 15) and _NIR_COMPLET.fullmatch(concatene):
                    return NIR
                if 10 <= len(concatene) <= 13 and _TELEPHONE_COMPLET.fullmatch(concatene):
                    return TELEPHONE
    return None


def _courriel(texte: str) -> bool:
    if "@" not in texte and not re.search(
        r"\b(?:at|arobase|arobas|chez)\b|[(\[{]\s*a\s*[)\]}]", texte, re.IGNORECASE
    ):
        return False
    devoile = _POINT.sub(".", _AROBASE.sub("@", texte))
    return bool(_COURRIEL.search(devoile))


def _mots(texte: str) -> list[tuple[str, str, int, int]]:
    """(word, key, start, end) for every word; underscores and dots between words are spaces."""
    return [
        (m.group(), _cle(m.group()).strip("'’-"), m.start(), m.end())
        for m in _MOT.finditer(texte.replace("_", " "))
    ]


def _capitalise(mot: str) -> bool:
    lettres = [c for c in mot if c.isalpha()]
    return len(lettres) >= 2 and lettres[0].isupper() and any(c.islower() for c in lettres[1:])


def _majuscules(mot: str) -> bool:
    lettres = [c for c in mot if c.isalpha()]
    return len(lettres) >= 3 and all(c.isupper() for c in lettres)


def _noms(texte: str, lieux: frozenset[str]) -> tuple[bool, bool, bool]:
    """(a person's name, a family named « famille X », a lone capitalised word that may be one)."""
    mots = _mots(texte)
    ordinaires = _VOCABULAIRE | lieux
    nom = famille = isole = False

    def candidat(i: int) -> bool:
        mot, cle, _, _ = mots[i]
        if cle in ordinaires or not (_capitalise(mot) or _majuscules(mot)):
            return False
        # A place or an institution named after a person: « collège Jean Jaurès », « à Denain ».
        avant = mots[i - 1][1] if i else ""
        return avant not in _INSTITUTION and avant not in _PREPOSITIONS

    for i, (mot, cle, _debut, fin) in enumerate(mots):
        if i + 1 < len(mots):
            suivant, cle_suivant, debut_suivant, _ = mots[i + 1]
            if texte.replace("_", " ")[fin:debut_suivant].strip(" ,") == "":
                if (
                    _CIVILITE.match(cle)
                    and cle_suivant not in ordinaires
                    and (_capitalise(suivant) or _majuscules(suivant))
                ):
                    nom = True
                    famille |= bool(_FAMILLE.match(cle))
                elif (
                    candidat(i)
                    and (_capitalise(suivant) or _majuscules(suivant))
                    and cle_suivant not in ordinaires
                ):
                    prenom = cle in PRENOMS or cle_suivant in PRENOMS
                    mixte = (_capitalise(mot) and _majuscules(suivant)) or (
                        _majuscules(mot) and _capitalise(suivant)
                    )
                    nom |= prenom or mixte
        if i and candidat(i) and cle not in PRENOMS:
            isole = True
        if cle in PRENOMS and candidat(i):
            isole = True
    return nom, famille, isole


def _dossier(texte: str) -> bool:
    for trouve in _DOSSIER.finditer(texte):
        numero = trouve.group("numero").strip()
        chiffres = sum(c.isdigit() for c in numero)
        annee_seule = re.fullmatch(r"(?:19|20)\d{2}", numero)
        if not annee_seule and (
            chiffres >= 5 or (chiffres >= 3 and re.search(r"[A-Za-z]", numero))
        ):
            return True
    return bool(_INE.search(texte))


@functools.lru_cache(maxsize=4096)
def _detecter(texte: str, lieux: frozenset[str]) -> str | None:
    texte = normaliser(texte)
    if len(texte) < 4:
        return None
    if _courriel(texte):
        return ADRESSE_ELECTRONIQUE
    chiffres = sum(map(str.isdigit, texte))
    if chiffres >= 10:
        nature = _nir_ou_telephone(texte)
        if nature:
            return nature
    if chiffres and _ADRESSE.search(texte):
        return ADRESSE_POSTALE
    if chiffres >= 3 and _dossier(texte):
        return NUMERO_DOSSIER
    date = bool(chiffres) and bool(_DATE.search(texte))
    if date and _NAISSANCE.search(texte):
        return DATE_NAISSANCE
    nom, famille, isole = _noms(texte, lieux)
    if nom and date:
        return NOM_ET_DATE
    if (nom or isole) and _SITUATION.search(texte):
        return NOM_ET_SITUATION
    if famille:
        return NOM_DE_FAMILLE
    return None


def detecter(texte: str, lieux: frozenset[str] = frozenset()) -> str | None:
    """The kind of personal data `texte` holds, as a French phrase, or None.

    `lieux`: keys (see `cle_lieu`) of the place names of the base (communes, QPV), which are
    never taken for a person's name."""
    if not texte:
        return None
    return _detecter(texte, lieux)


def cle_lieu(nom: str) -> set[str]:
    """The words of a place name, as `detecter` compares them."""
    return {_cle(m.group()).strip("'’-") for m in _MOT.finditer(nom)}
