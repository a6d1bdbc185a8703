"""Commune names and codes resolved against the COG (`communes.json` of decoupage-administratif).

Official files of older lineages name the commune of a QPV instead of giving its code, write
« St » for « Saint », drop accents and hyphens, give a Paris, Lyon or Marseille arrondissement
(« Lyon 8e Arrondissement », « Marseille 13 »), an old code or the name of a commune since merged
into a commune nouvelle. `Cog.resoudre` turns such a value into current codes, or says why not.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

VILLES_A_ARRONDISSEMENTS = {"paris": "75056", "lyon": "69123", "marseille": "13055"}
_ARRONDISSEMENT = re.compile(
    r"^(paris|lyon|marseille)\s*0?(\d{1,2})\s*(?:e|er|eme|ieme)?\b\s*(?:arrondissement|arr)?\b(.*)$"
)
_ARTICLE_FINAL = re.compile(r"^(.*?)\s*\((le|la|les|l)\)\s*$")


def cle(nom: str) -> str:
    """Comparison key of a commune name: no accents, case, hyphens, apostrophes; « St » = « Saint »."""
    s = unicodedata.normalize("NFKD", str(nom)).encode("ascii", "ignore").decode().lower().strip()
    if m := _ARTICLE_FINAL.match(s):  # « Havre (Le) » -> « le havre »
        s = f"{m.group(2)} {m.group(1)}"
    mots = [m for m in re.split(r"[^a-z0-9]+", s) if m]
    return " ".join({"st": "saint", "ste": "sainte"}.get(m, m) for m in mots)


def arrondissement(nom: str) -> tuple[str, int, str] | None:
    """(city, number, rest of the name) when `nom` designates a municipal arrondissement."""
    m = _ARRONDISSEMENT.match(cle(nom))
    if not m:
        return None
    return m.group(1), int(m.group(2)), m.group(3).strip()


@dataclass
class Cog:
    """Current communes (code → name, département), arrondissements, old codes and names."""

    noms: dict[str, str] = field(default_factory=dict)  # current commune code → name
    departements: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)  # arrondissement → its commune
    anciens: dict[str, str] = field(default_factory=dict)  # old / delegated code → current
    arrondissements: dict[tuple[str, int], str] = field(default_factory=dict)
    _index: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def depuis(cls, enregistrements: list[dict]) -> Cog:
        cog = cls()
        for c in enregistrements:
            code, genre = str(c["code"]), c.get("type", "commune-actuelle")
            dep = c.get("departement")
            if genre == "commune-actuelle":
                cog.noms[code] = c["nom"]
                cog.departements[code] = dep
                for ancien in c.get("anciensCodes") or []:
                    cog.anciens.setdefault(str(ancien), code)
                cog._index[cle(c["nom"])].add(code)
            elif genre == "arrondissement-municipal" and c.get("commune"):
                cog.parents[code] = str(c["commune"])
                cog.departements[code] = dep
                cog._index[cle(c["nom"])].add(code)
                if a := arrondissement(c["nom"]):
                    cog.arrondissements[(a[0], a[1])] = code
            elif c.get("chefLieu"):
                # commune déléguée or associée: its name now designates its commune nouvelle.
                cog.anciens.setdefault(code, str(c["chefLieu"]))
                cog._index[cle(c["nom"])].add(str(c["chefLieu"]))
        return cog

    def actuel(self, code: str) -> str | None:
        """The current commune (or arrondissement) for a code, following merges; None if unknown."""
        vu = set()
        while code not in self.noms and code not in self.parents and code not in vu:
            vu.add(code)
            if code not in self.anciens:
                return None
            code = self.anciens[code]
        return code if (code in self.noms or code in self.parents) else None

    def commune(self, code: str) -> str:
        """The commune of a code that may be an arrondissement."""
        return self.parents.get(code, code)

    def resoudre_nom(self, nom: str, departement: str | None = None) -> tuple[str | None, str]:
        """(code, '') for one commune name, or (None, why not) in French."""
        k = cle(nom)
        if not k:
            return None, "nom de commune vide"
        if a := arrondissement(nom):
            ville, numero, reste = a
            if not reste:
                code = self.arrondissements.get((ville, numero))
                if code:
                    return code, ""
                return None, f"arrondissement inconnu « {nom} »"
        codes = set(self._index.get(k, set()))
        if not codes and k in VILLES_A_ARRONDISSEMENTS:
            codes = {VILLES_A_ARRONDISSEMENTS[k]}
        if departement and len(codes) > 1:
            codes = {c for c in codes if self.departements.get(c) == departement} or codes
        if departement and not any(self.departements.get(c) == departement for c in codes):
            # Renamed since the file was made (« Grigny » -> « Grigny-sur-Rhône »): one name of
            # the département that extends it.
            prolonges = {
                code
                for nom_cle, codes_nom in self._index.items()
                if nom_cle.startswith(k + " ")
                for code in codes_nom
                if self.departements.get(code) == departement
            }
            if len(prolonges) == 1:
                code = prolonges.pop()
                nom_actuel = self.noms.get(code, code)
                return code, f"« {nom} » rapproché de {nom_actuel} ({code}), commune renommée ?"
        if len(codes) == 1:
            return codes.pop(), ""
        if not codes:
            return None, f"commune inconnue « {nom} »"
        return None, f"commune ambiguë « {nom} » ({len(codes)} communes de ce nom)"

    def resoudre(self, valeur: str, departement: str | None = None) -> tuple[list[str], list[str]]:
        """Codes of a value naming one or several communes (« Bron,Vaulx-en-Velin »), and the
        French reasons for the names that could not be resolved."""
        codes, problemes = [], []
        for morceau in re.split(r"\s*[,;/|]\s*", str(valeur)):
            if not morceau.strip():
                continue
            if re.fullmatch(r"\s*(\d{5}|2[ABab]\d{3})\s*", morceau):
                code = self.actuel(morceau.strip().upper())
                if code is None:
                    problemes.append(f"code commune inconnu « {morceau.strip()} »")
                elif code not in codes:
                    codes.append(code)
                continue
            code, pourquoi = self.resoudre_nom(morceau, departement)
            if pourquoi:
                problemes.append(pourquoi)  # with a code: a doubtful match, reported
            if code is not None and code not in codes:
                codes.append(code)
        return codes, problemes
