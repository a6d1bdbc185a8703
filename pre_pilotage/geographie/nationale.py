"""National reference for the « Territoires » page: every PRE commune (ANCT list), QPV 2024, REP/REP+
schools and networks, Cités éducatives, with their coverage facts, built once from the official
files into a small DuckDB file of its own (`data/territoires.duckdb`, `PRE_TERRITOIRES`).

It holds no child data, so it lives apart from the programme database: rebuilding it neither
touches the migrations nor makes the statistical protection stale. See docs/geographie.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import shapely

from pre_pilotage import config
from pre_pilotage.geographie import cog, emprises, lecture
from pre_pilotage.geographie.construction import empreinte
from pre_pilotage.geographie.lecture import ErreurGeographie, erreur

FICHIER_PAR_DEFAUT = config.RACINE / "data" / "territoires.duckdb"
DROM = ("971", "972", "973", "974", "976")

# File types, the names under which they are published (searched in the folder and below it), and
# what each brings. `communes`, `departements`, `regions` come from the same npm package.
TYPES = {
    "communes": ("communes.json",),
    "departements": ("departements.json",),
    "regions": ("regions.json",),
    "epci": ("epci.json",),
    "pre_communes": ("pre_communes*.csv", "data.csv", "*pre*communes*.csv"),
    "qpv_contours": ("QP2024_*.geojson", "QP2024_*.zip", "qpv2024*.geojson"),
    "reseaux_ep": ("fr-en-etablissements-ep*.csv",),
    "cites": ("citeduc_geom.geojson", "cites_educatives*.csv"),
    "centres_communes": ("centroide-4326_qpv.geojson",),
    "contours_departements": ("departements-version-simplifiee.geojson", "departements*.geojson"),
    "contours_communes": ("communes-*.geojson",),
    "encarts_drom": ("fr-drom-4326-pur-style1-dep.geojson",),
}
# Types given as several files (one per région for the france-geojson commune contours).
MULTIPLES = ("contours_communes",)
OBLIGATOIRES = ("communes", "departements", "regions", "pre_communes", "qpv_contours")
LIBELLES = {
    "communes": "communes du COG (communes.json, paquet @etalab/decoupage-administratif)",
    "departements": "départements (departements.json, même paquet)",
    "regions": "régions (regions.json, même paquet)",
    "epci": "EPCI et leurs communes (epci.json, même paquet) : périmètre des PRE intercommunaux",
    "pre_communes": "liste ANCT des PRE par commune (pre_communes_2024.csv ou data.csv)",
    "qpv_contours": "contours des QPV 2024 de l'ANCT (QP2024_…geojson)",
    "reseaux_ep": "établissements de l'éducation prioritaire (fr-en-etablissements-ep.csv)",
    "cites": "liste ANCT des Cités éducatives (citeduc_geom.geojson)",
    "centres_communes": "centres des communes à QPV de l'ANCT (centroide-4326_qpv.geojson)",
    "contours_departements": "contours simplifiés des départements (fond de carte)",
    "contours_communes": "contours des communes (communes-….geojson, un ou plusieurs fichiers) : "
    "position des communes sans QPV ni école REP ou REP+",
    "encarts_drom": "départements de l'ANCT avec les outre-mer en encarts "
    "(fr-drom-4326-pur-style1-dep.geojson) : les outre-mer sur la carte de la France",
}
# Real extent (lon min, lat min, lon max, lat max, WGS84) of each overseas département, to place
# its points in the ANCT inset of the national map (the file moves the DROM near Brittany with
# no transformation given): an affine map of this box onto the inset's box.
EMPRISES_DROM = {
    "971": (-61.81, 15.83, -61.00, 16.52),
    "972": (-61.23, 14.39, -60.81, 14.88),
    "973": (-54.60, 2.11, -51.61, 5.75),
    "974": (55.216, -21.389, 55.837, -20.872),
    "976": (44.98, -13.00, 45.30, -12.64),
}
# Degrees; about 30 m: the département view's QPV contours (the national view draws points).
TOLERANCE_DEPARTEMENT = 0.0003
TOLERANCE_FOND = 0.01  # about 1 km: département outlines, a background only
DECIMALES = 5


def chemin_reference() -> Path:
    """The national reference file the app reads; PRE_TERRITOIRES overrides it."""
    return Path(os.environ.get("PRE_TERRITOIRES", str(FICHIER_PAR_DEFAUT)))


def message_absente(chemin: Path, administrateur: bool = True) -> str:
    """What the page says when the reference has not been built: which file, and how, to an
    administrator; to any other role only that it is missing (an outside test saw a lecture
    account shown the server's file path and commands)."""
    if not administrateur:
        return (
            "La référence nationale des territoires n'est pas encore installée sur ce serveur : "
            "aucun chiffre national ne peut être affiché ici. L'administrateur de l'outil la "
            "construit une fois depuis les fichiers officiels."
        )
    return (
        f"La référence nationale des territoires n'est pas encore construite : le fichier "
        f"`{chemin}` est absent. Un administrateur la construit une fois depuis les fichiers "
        "officiels, déposés dans `geodata/sources/` ou dans un autre dossier :\n\n"
        "`make territoires DOSSIER=chemin/du/dossier`\n\n"
        "(ou `python -m pre_pilotage territoires --dossier chemin/du/dossier`). Fichiers "
        "nécessaires : "
        + " ; ".join(LIBELLES[t] for t in OBLIGATOIRES)
        + ". Facultatifs : "
        + " ; ".join(LIBELLES[t] for t in TYPES if t not in OBLIGATOIRES)
        + ". Voir docs/geographie.md."
    )


def trouver(dossier: Path, donnes: dict | None = None) -> dict:
    """Each file type's file: given (`TYPE=CHEMIN`) or found by its published name in `dossier`."""
    trouves = dict(donnes or {})
    for type_, motifs in TYPES.items():
        if type_ in trouves or not dossier.is_dir():
            continue
        for motif in motifs:
            candidats = sorted(p for p in dossier.rglob(motif) if p.is_file())
            if candidats:
                trouves[type_] = candidats if type_ in MULTIPLES else candidats[0]
                break
    return trouves


def manquants(fichiers: dict[str, Path]) -> list[str]:
    return [t for t in OBLIGATOIRES if t not in fichiers]


@dataclass
class Reference:
    tables: dict[str, pl.DataFrame]
    sources: list[dict] = field(default_factory=list)
    remarques: list[str] = field(default_factory=list)


def _lire_liste_pre(chemin: Path) -> list[tuple[int, str, str, str, str]]:
    """(line, code_insee, commune label, porteur, département named) of the ANCT list; columns
    read by meaning (the département column is optional)."""
    brut = chemin.read_bytes()
    try:
        texte = brut.decode("utf-8-sig")
    except UnicodeDecodeError:
        texte = brut.decode("cp1252")
    premiere = texte.split("\n", 1)[0]
    separateur = max((";", ",", "\t"), key=premiere.count)
    lecteur = csv.reader(io.StringIO(texte), delimiter=separateur)
    entetes = [lecture.normaliser(e) for e in next(lecteur, [])]

    def colonne(*noms: str) -> int | None:
        return next((entetes.index(n) for n in noms if n in entetes), None)

    i_code = colonne("code_insee", "insee_com", "code_commune", "insee", "codgeo")
    i_porteur = colonne("portage", "structure_porteuse", "porteur")
    i_nom = colonne("program", "commune", "nom_commune", "lib_com")
    i_dep = colonne(
        "direction_du_gestionnaire_du_dossier", "departement", "nom_departement", "lib_dep"
    )
    if i_code is None or i_porteur is None:
        raise erreur(
            chemin,
            "colonnes attendues de la liste ANCT des PRE par commune : code_insee et portage ; "
            f"trouvées : {', '.join(entetes) or 'aucune'}",
        )
    lignes = []
    for numero, ligne in enumerate(lecteur, start=2):
        if not any(v.strip() for v in ligne):
            continue
        if len(ligne) != len(entetes):
            raise erreur(
                chemin, f"ligne {numero} : {len(ligne)} colonnes au lieu de {len(entetes)}"
            )
        code = lecture.code_commune(ligne[i_code])
        if code is None:
            raise erreur(chemin, f"ligne {numero}, colonne code_insee : code commune absent")
        nom = " ".join(ligne[i_nom].split()) if i_nom is not None else ""
        dep = " ".join(ligne[i_dep].split()) if i_dep is not None else ""
        lignes.append((numero, code, nom, " ".join(ligne[i_porteur].split()), dep))
    if not lignes:
        raise erreur(chemin, "aucune ligne de PRE dans le fichier")
    return lignes


_CEDEX = re.compile(r"\s+cedex(\s+\d+)?$")
_ARTICLE = re.compile(r"^(le|la|les|l)\s+")


def cle_commune(libelle: str) -> str:
    """Comparison key of a commune label of the ANCT list: no accents, case, hyphens,
    « ST » = « SAINT », no « CEDEX n » suffix (« AJACCIO CEDEX 1 » = « Ajaccio »)."""
    return _CEDEX.sub("", cog.cle(libelle))


def cle_departement(nom: str) -> str:
    """« La Réunion » and « Réunion », « Côtes-d'Armor » and « COTES D ARMOR » alike."""
    return _ARTICLE.sub("", cog.cle(nom))


@dataclass
class Correction:
    """One row of the ANCT list whose code is not in the département it names."""

    ligne: int
    departement: str  # code of the département named by the row
    libelle: str  # the row's commune label
    code_liste: str
    code_retenu: str | None  # None: left as it is, to check
    motif: str


def corriger_codes(
    lignes: list[tuple[int, str, str, str, str]],
    referentiel: cog.Cog,
    departements: dict[str, dict],
) -> tuple[dict[int, str], list[Correction]]:
    """Codes of the ANCT list checked against the département each row names (first column):
    a code of another département (« VITROLLES » in Bouches-du-Rhône with 05184, Vitrolles of the
    Hautes-Alpes) is replaced by the one commune of that département with the same name; with
    none or several, the row is kept and flagged. Returns {line: code to use} and every
    correction or doubt, never applied silently."""
    noms_deps = {cle_departement(d["nom"]): code for code, d in departements.items()}
    # Commune names (current, arrondissement, déléguée or associée) -> current codes, by département.
    par_dep: dict[tuple[str, str], set[str]] = defaultdict(set)
    for k, codes in referentiel._index.items():
        for code in codes:
            courant = referentiel.actuel(code)
            if courant:
                courant = referentiel.commune(courant)
                par_dep[(referentiel.departements.get(courant) or "", k)].add(courant)
    codes: dict[int, str] = {}
    corrections: list[Correction] = []
    for numero, code, libelle, _porteur, nom_dep in lignes:
        dep = noms_deps.get(cle_departement(nom_dep)) if nom_dep else None
        if dep is None:
            continue  # no département named (or unknown name): nothing to check against
        courant = referentiel.actuel(code)
        if courant is not None and referentiel.departements.get(courant) == dep:
            continue
        k = cle_commune(libelle)
        trouves = par_dep.get((dep, k), set())
        nom_d = departements[dep]["nom"]
        motif = "seule commune de ce nom"
        if not trouves:
            # Renamed or merged since (« EVRY » -> Évry-Courcouronnes): the one name of the
            # département that extends it.
            trouves = {
                c
                for (d, nom), cs in par_dep.items()
                if d == dep and nom.startswith(k + " ")
                for c in cs
            }
            motif = f"seule commune dont le nom commence par « {libelle} » (renommée ?)"
            if len(trouves) != 1:
                trouves = set()
        if len(trouves) == 1:
            retenu = next(iter(trouves))
            if motif == "seule commune de ce nom" and cog.cle(referentiel.noms[retenu]) != k:
                motif = "seule commune de ce nom (ancien nom ou commune déléguée)"
            codes[numero] = retenu
            corrections.append(
                Correction(
                    numero,
                    dep,
                    libelle,
                    code,
                    retenu,
                    f"{referentiel.noms.get(retenu, retenu)} ({retenu}), {motif} en {nom_d}",
                )
            )
        else:
            ailleurs = (
                f"le code {code} est celui de "
                f"{referentiel.noms.get(referentiel.commune(courant), courant)} "
                f"(département {referentiel.departements.get(courant)})"
                if courant
                else f"le code {code} est inconnu du COG"
            )
            corrections.append(
                Correction(
                    numero,
                    dep,
                    libelle,
                    code,
                    None,
                    f"{ailleurs} ; "
                    + (
                        f"{len(trouves)} communes nommées « {libelle} » en {nom_d}"
                        if trouves
                        else f"aucune commune nommée « {libelle} » en {nom_d}"
                    ),
                )
            )
    return codes, corrections


def _lire_noms(chemin: Path, sorte: str) -> dict[str, dict]:
    donnees = lecture.lire_json(chemin)
    if not isinstance(donnees, list) or not all(
        isinstance(d, dict) and "code" in d and "nom" in d for d in donnees
    ):
        raise erreur(
            chemin,
            f"forme inattendue : une liste de {sorte} (« code », « nom ») comme dans "
            "@etalab/decoupage-administratif est attendue",
        )
    return {str(d["code"]): d for d in donnees}


def _point(geom) -> tuple[float | None, float | None]:
    if geom is None or geom.is_empty:
        return None, None
    p = geom.representative_point() if geom.geom_type.endswith("Polygon") else geom.centroid
    return round(p.x, DECIMALES), round(p.y, DECIMALES)


def _couverture(codes: list[str], couverture: dict, couvertes: dict, communes: dict) -> str:
    """How a QPV is covered, in French: its commune runs a PRE, or an intercommunal PRE."""
    if any(couverture.get(c) == "commune" for c in codes):
        return "commune avec un PRE"
    epcis = sorted({couvertes[c][1] for c in codes if c in couvertes})
    return f"PRE intercommunal ({', '.join(epcis)})" if epcis else ""


def construire(fichiers: dict[str, Path]) -> Reference:
    """Read every file, check it, and compute the coverage facts; nothing is written here."""
    absents = manquants(fichiers)
    if absents:
        raise ErreurGeographie(
            "Fichiers obligatoires absents : " + " ; ".join(LIBELLES[t] for t in absents) + "."
        )
    remarques: list[str] = []
    lu_communes = lecture.lire_communes(fichiers["communes"])
    communes = lu_communes.elements["communes"]
    cog = lu_communes.elements["cog"]
    departements = _lire_noms(fichiers["departements"], "départements")
    regions = _lire_noms(fichiers["regions"], "régions")

    def actuelle(code: str) -> str | None:
        courant = cog.actuel(code)
        return cog.commune(courant) if courant else None

    def dep_de(code_commune: str) -> str | None:
        c = communes.get(code_commune)
        return (c.departement if c else None) or emprises.departement(code_commune)

    def reg_de(dep: str | None) -> str | None:
        return str(departements[dep]["region"]) if dep in departements else None

    # PRE communes (ANCT list): one row per commune, its porteurs joined.
    porteurs: dict[str, list[str]] = defaultdict(list)
    ecartees = []
    lignes_pre = _lire_liste_pre(fichiers["pre_communes"])
    codes_corriges, corrections = corriger_codes(lignes_pre, cog, departements)
    for numero, code_liste, _nom, porteur, _dep in lignes_pre:
        code = codes_corriges.get(numero, code_liste)
        courant = actuelle(code)
        if courant is None:
            ecartees.append(f"ligne {numero} ({code})")
            continue
        if porteur not in porteurs[courant]:
            porteurs[courant].append(porteur)
    if ecartees:
        remarques.append(
            f"{fichiers['pre_communes'].name} : communes inconnues du COG, écartées : "
            + ", ".join(ecartees)
        )
    communes_pre = set(porteurs)
    if corrections:
        n = sum(c.code_retenu is not None for c in corrections)
        remarques.append(
            f"{fichiers['pre_communes'].name} : {n} codes INSEE corrigés d'après le département "
            f"de la ligne, {len(corrections) - n} lignes à vérifier (voir la page « Territoires »)"
        )

    # A PRE carried by an EPCI (« COMMUNAUTE D'AGGLOMERATION -VALENCIENNES ») is intercommunal:
    # the ANCT list names the porteur's commune only, the programme covers the EPCI's communes.
    couvertes: dict[str, tuple[str, str]] = {}  # commune -> (ANCT commune, EPCI name)
    epci_pre: dict[str, str] = {}
    if "epci" in fichiers:
        from pre_pilotage.importation.programme import type_porteur_anct

        epcis = lecture.lire_epci(fichiers["epci"]).elements
        epci_de = {m: e for e in epcis.values() for m in e.membres}
        for code in sorted(communes_pre):
            epci = epci_de.get(code)
            if epci and any(type_porteur_anct(p) == "EPCI" for p in porteurs[code]):
                epci_pre[code] = epci.nom
                for membre in epci.membres:
                    if membre not in communes_pre:
                        couvertes.setdefault(membre, (code, epci.nom))
    couverture = {c: "commune" for c in communes_pre} | {c: "intercommunal" for c in couvertes}

    # QPV 2024 contours.
    lu_qpv = lecture.lire_qpv_contours(fichiers["qpv_contours"])
    quartiers = [q for q in lu_qpv.elements if q.annee == 2024]
    if not quartiers:
        raise erreur(fichiers["qpv_contours"], "aucun quartier de la géographie 2024 (codes QN…)")
    remarques += lu_qpv.remarques

    # Cités éducatives by commune (the national list gives no QPV).
    cites = []
    if "cites" in fichiers:
        cites = lecture.lire_cites(fichiers["cites"]).elements
    cites_par_commune: dict[str, list[str]] = defaultdict(list)
    for cite in cites:
        for c in cite.communes:
            courant = actuelle(c) or c
            if cite.cite_id not in cites_par_commune[courant]:
                cites_par_commune[courant].append(cite.cite_id)
    noms_cites = {c.cite_id: c.nom for c in cites}

    # Commune positions: ANCT centres, else the QPV of the commune, else its schools.
    positions: dict[str, tuple[float, float]] = {}
    if "centres_communes" in fichiers:
        for objet in lecture.lire_objets(fichiers["centres_communes"], surfaces=False)[0]:
            code = lecture.code_commune(lecture.valeur(objet.proprietes, "commune_code"))
            if code and objet.geom is not None and not objet.geom.is_empty:
                positions.setdefault(actuelle(code) or code, _point(objet.geom))

    lignes_qpv = []
    qpv_par_commune: dict[str, list] = defaultdict(list)
    for q in sorted(quartiers, key=lambda q: q.code):
        codes = sorted({actuelle(c) or c for c in q.communes})
        dep = emprises.departement_qpv(q.code)
        lon, lat = _point(q.geom)
        cites_q = sorted({i for c in codes for i in cites_par_commune.get(c, [])})
        for c in codes:
            if q.geom is not None:
                qpv_par_commune[c].append(q.geom)
        contour = None
        if q.geom is not None:
            simple = shapely.simplify(q.geom, TOLERANCE_DEPARTEMENT, preserve_topology=True)
            contour = shapely.to_wkb(shapely.set_precision(simple, 10**-DECIMALES))
        lignes_qpv.append(
            {
                "code_qp": q.code,
                "nom": q.nom or q.code,
                "departement": dep,
                "region": reg_de(dep),
                "communes": ", ".join(codes),
                "noms_communes": ", ".join(communes[c].nom if c in communes else c for c in codes),
                "pre": any(c in couverture for c in codes),
                "couverture": _couverture(codes, couverture, couvertes, communes),
                "cites": ", ".join(cites_q),
                "noms_cites": " ; ".join(noms_cites[i] for i in cites_q),
                "longitude": lon,
                "latitude": lat,
                "geom": contour,
            }
        )
    for code, geoms in qpv_par_commune.items():
        if code not in positions:
            positions[code] = _point(shapely.union_all(geoms))

    # REP/REP+ schools and their networks.
    lignes_ecoles = []
    if "reseaux_ep" in fichiers:
        lu_ep = lecture.lire_reseaux_ep(fichiers["reseaux_ep"])
        for uai, ecole in sorted(lu_ep.elements.items()):
            etab = ecole.etablissement
            if ecole.education_prioritaire not in ("REP", "REP+") or etab is None:
                continue
            code = actuelle(etab.code_insee) or etab.code_insee
            dep = dep_de(code)
            lignes_ecoles.append(
                {
                    "uai": uai,
                    "nom": etab.nom,
                    "type_etablissement": etab.type_etablissement,
                    "education_prioritaire": ecole.education_prioritaire,
                    "uai_tete_reseau": ecole.uai_tete_reseau
                    or (uai if etab.type_etablissement == "college" else None),
                    "code_insee": code,
                    "commune": communes[code].nom if code in communes else code,
                    "departement": dep,
                    "region": reg_de(dep),
                    "pre": code in couverture,
                    "longitude": round(etab.longitude, DECIMALES) if etab.longitude else None,
                    "latitude": round(etab.latitude, DECIMALES) if etab.latitude else None,
                }
            )
        for code in {e["code_insee"] for e in lignes_ecoles} - set(positions):
            points = [
                (e["longitude"], e["latitude"])
                for e in lignes_ecoles
                if e["code_insee"] == code and e["longitude"] is not None
            ]
            if points:
                positions[code] = (
                    round(sum(p[0] for p in points) / len(points), DECIMALES),
                    round(sum(p[1] for p in points) / len(points), DECIMALES),
                )

    # Communes with no QPV nor REP/REP+ school: a point inside their contour (2018 boundaries:
    # a commune merged since is the union of its former communes, through the COG's old codes).
    deps_contours: set[str] = set()
    if "contours_communes" in fichiers:
        sans = (communes_pre | set(couvertes)) - set(positions)
        contours: dict[str, list] = defaultdict(list)
        for chemin in fichiers["contours_communes"]:
            for objet in lecture.lire_objets(chemin)[0]:
                code = lecture.code_commune(lecture.valeur(objet.proprietes, "commune_code"))
                courant = actuelle(code) if code else None
                if courant and dep_de(courant):
                    deps_contours.add(dep_de(courant))
                if courant in sans and objet.geom is not None and not objet.geom.is_empty:
                    contours[courant].append(objet.geom)
        for code, geoms in contours.items():
            positions[code] = _point(shapely.union_all(geoms))

    def sans_position(code: str) -> str:
        """Why no file places a commune, in French (empty when one does)."""
        if code in positions:
            return ""
        debut = "ni QPV 2024 ni école REP ou REP+ dans la commune, et "
        if "contours_communes" not in fichiers:
            return debut + "pas de fichier de contours des communes"
        if dep_de(code) in deps_contours:
            return debut + "aucun contour à son code dans les contours des communes"
        return debut + "les contours des communes fournis ne couvrent pas son département"

    lignes_communes = []
    for code in sorted(communes_pre):
        dep = dep_de(code)
        lon, lat = positions.get(code, (None, None))
        lignes_communes.append(
            {
                "code_insee": code,
                "nom": communes[code].nom,
                "departement": dep,
                "region": reg_de(dep),
                "porteurs": " ; ".join(porteurs[code]),
                "epci": epci_pre.get(code, ""),
                "cites": ", ".join(cites_par_commune.get(code, [])),
                "longitude": lon,
                "latitude": lat,
                "sans_position": sans_position(code),
            }
        )

    lignes_cites = []
    for cite in sorted(cites, key=lambda c: c.cite_id):
        codes = sorted({actuelle(c) or c for c in cite.communes})
        points = [positions[c] for c in codes if c in positions]
        for dep in sorted({dep_de(c) for c in codes if dep_de(c)}):
            lignes_cites.append(
                {
                    "cite_id": cite.cite_id,
                    "nom": cite.nom,
                    "departement": dep,
                    "region": reg_de(dep),
                    "communes": ", ".join(communes[c].nom if c in communes else c for c in codes),
                    "pre": any(c in couverture for c in codes),
                    "longitude": points[0][0] if points else None,
                    "latitude": points[0][1] if points else None,
                }
            )

    fonds = {}
    if "contours_departements" in fichiers:
        chemin = fichiers["contours_departements"]
        for objet in lecture.lire_objets(chemin, couches=("departement",))[0]:
            code = lecture.texte(
                next(
                    (
                        objet.proprietes[c]
                        for c in ("insee_dep", "code_dep", "code")
                        if c in objet.proprietes
                    ),
                    None,
                )
            )
            if code not in departements:
                raise erreur(
                    chemin, f"objet n° {objet.numero} : code de département inconnu « {code} »"
                )
            if objet.geom is not None:
                simple = shapely.simplify(objet.geom, TOLERANCE_FOND, preserve_topology=True)
                fonds[code] = shapely.to_wkb(shapely.set_precision(simple, 10**-3))
    encarts: dict[str, tuple[bytes, list[float]]] = {}
    if "encarts_drom" in fichiers:
        chemin = fichiers["encarts_drom"]
        for objet in lecture.lire_objets(chemin)[0]:
            code = lecture.texte(objet.proprietes.get("insee_dep"))
            if code in EMPRISES_DROM and objet.geom is not None:
                x0, y0, x1, y1 = EMPRISES_DROM[code]
                e0, f0, e1, f1 = objet.geom.bounds
                ax, ay = (e1 - e0) / (x1 - x0), (f1 - f0) / (y1 - y0)
                encarts[code] = (
                    shapely.to_wkb(shapely.set_precision(objet.geom, 10**-3)),
                    [ax, e0 - ax * x0, ay, f0 - ay * y0],
                )
                if code not in fonds:
                    # Outline of the DROM's own view: the inset brought back to its real place
                    # (schematic: the file's generalised shape), kept only where it matches
                    # the real positions of the schools (the inset spreads some islands apart).
                    reel = shapely.transform(
                        objet.geom,
                        lambda c, ax=ax, ay=ay, e0=e0, f0=f0, x0=x0, y0=y0: (
                            (c - [e0, f0]) / [ax, ay] + [x0, y0]
                        ),
                    )
                    ecoles_dom = [
                        shapely.Point(e["longitude"], e["latitude"])
                        for e in lignes_ecoles
                        if e["departement"] == code and e["longitude"] is not None
                    ]
                    zone = reel.buffer(0.01)
                    dedans = sum(zone.contains(pt) for pt in ecoles_dom)
                    if ecoles_dom and dedans >= 0.9 * len(ecoles_dom):
                        fonds[code] = shapely.to_wkb(shapely.set_precision(reel, 10**-4))
                    else:
                        remarques.append(
                            f"{chemin.name} : contour de {departements[code]['nom']} non "
                            f"dessiné dans sa vue ({dedans} écoles sur {len(ecoles_dom)} dedans)"
                        )
    lignes_departements = [
        {
            "code": code,
            "nom": d["nom"],
            "region": str(d.get("region") or code),
            "drom": code in DROM,
            "geom": fonds.get(code),
            "encart": encarts[code][0] if code in encarts else None,
            "encart_transformation": encarts[code][1] if code in encarts else None,
        }
        for code, d in sorted(departements.items())
    ]
    lignes_regions = [{"code": code, "nom": r["nom"]} for code, r in sorted(regions.items())]

    schemas = {
        "pre_commune": {"longitude": pl.Float64, "latitude": pl.Float64},
        "qpv": {"longitude": pl.Float64, "latitude": pl.Float64, "geom": pl.Binary},
        "ecole": {"longitude": pl.Float64, "latitude": pl.Float64},
        "cite": {"longitude": pl.Float64, "latitude": pl.Float64},
    }
    tables = {
        "departement": pl.DataFrame(
            lignes_departements,
            schema_overrides={
                "geom": pl.Binary,
                "encart": pl.Binary,
                "encart_transformation": pl.List(pl.Float64),
            },
            infer_schema_length=None,
        ),
        "region": pl.DataFrame(lignes_regions),
        "pre_commune": pl.DataFrame(
            lignes_communes, schema_overrides=schemas["pre_commune"], infer_schema_length=None
        ),
        "qpv": pl.DataFrame(lignes_qpv, schema_overrides=schemas["qpv"], infer_schema_length=None),
        "ecole": pl.DataFrame(
            lignes_ecoles or None,
            schema=_SCHEMA_ECOLE if not lignes_ecoles else None,
            schema_overrides=schemas["ecole"] if lignes_ecoles else None,
            infer_schema_length=None,
        ),
        "correction_code": pl.DataFrame(
            [
                {
                    "ligne": c.ligne,
                    "departement": c.departement,
                    "region": reg_de(c.departement),
                    "libelle": c.libelle,
                    "code_liste": c.code_liste,
                    "commune_code_liste": (
                        communes[actuelle(c.code_liste)].nom
                        if actuelle(c.code_liste) in communes
                        else ""
                    ),
                    "departement_code_liste": dep_de(actuelle(c.code_liste) or c.code_liste),
                    "region_code_liste": reg_de(dep_de(actuelle(c.code_liste) or c.code_liste)),
                    "code_retenu": c.code_retenu,
                    "commune_retenue": communes[c.code_retenu].nom
                    if c.code_retenu in communes
                    else "",
                    "motif": c.motif,
                }
                for c in corrections
            ]
            or None,
            schema=_SCHEMA_CORRECTION,
        ),
        "commune_couverte": pl.DataFrame(
            [
                {
                    "code_insee": c,
                    "nom": communes[c].nom if c in communes else c,
                    "departement": dep_de(c),
                    "region": reg_de(dep_de(c)),
                    "commune_pre": communes[a].nom if a in communes else a,
                    "epci": nom_epci,
                }
                for c, (a, nom_epci) in sorted(couvertes.items())
            ]
            or None,
            schema={
                k: pl.String
                for k in ("code_insee", "nom", "departement", "region", "commune_pre", "epci")
            },
        ),
        "cite": pl.DataFrame(
            lignes_cites or None,
            schema=_SCHEMA_CITE if not lignes_cites else None,
            schema_overrides=schemas["cite"] if lignes_cites else None,
            infer_schema_length=None,
        ),
    }
    sources = [
        {
            "type_fichier": t,
            "fichier": p.name,
            "empreinte_sha256": empreinte(p),
            "construit_le": dt.datetime.now().replace(microsecond=0),
        }
        for t, chemins in sorted(fichiers.items())
        for p in (chemins if isinstance(chemins, list) else [chemins])
    ]
    return Reference(tables, sources, remarques)


_SCHEMA_ECOLE = {
    "uai": pl.String,
    "nom": pl.String,
    "type_etablissement": pl.String,
    "education_prioritaire": pl.String,
    "uai_tete_reseau": pl.String,
    "code_insee": pl.String,
    "commune": pl.String,
    "departement": pl.String,
    "region": pl.String,
    "pre": pl.Boolean,
    "longitude": pl.Float64,
    "latitude": pl.Float64,
}
_SCHEMA_CORRECTION = {
    "ligne": pl.Int64,
    "departement": pl.String,
    "region": pl.String,
    "libelle": pl.String,
    "code_liste": pl.String,
    "commune_code_liste": pl.String,
    "departement_code_liste": pl.String,
    "region_code_liste": pl.String,
    "code_retenu": pl.String,
    "commune_retenue": pl.String,
    "motif": pl.String,
}
_SCHEMA_CITE = {
    "cite_id": pl.String,
    "nom": pl.String,
    "departement": pl.String,
    "region": pl.String,
    "communes": pl.String,
    "pre": pl.Boolean,
    "longitude": pl.Float64,
    "latitude": pl.Float64,
}


def ecrire(reference: Reference, chemin: Path) -> None:
    """Write the reference to a new file, then put it in place: the old one stays until then."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    provisoire = chemin.with_name(chemin.name + ".construction")
    provisoire.unlink(missing_ok=True)
    with duckdb.connect(str(provisoire)) as con:
        for nom, cadre in reference.tables.items():
            con.register("cadre", cadre.to_arrow())
            con.execute(f'create table "{nom}" as select * from cadre')  # noqa: S608 (fixed names)
            con.unregister("cadre")
        con.register("cadre", pl.DataFrame(reference.sources).to_arrow())
        con.execute("create table source as select * from cadre")
        con.unregister("cadre")
    os.replace(provisoire, chemin)


def lire(chemin: Path) -> dict[str, pl.DataFrame]:
    """Every table of the reference file (a few thousand rows in all)."""
    with duckdb.connect(str(chemin), read_only=True) as con:
        noms = [
            r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()
        ]
        return {nom: con.sql(f'select * from "{nom}"').pl() for nom in noms}  # noqa: S608


_CODE_TYPE = re.compile(r"^([a-z_]+)=(.+)$")


def fichiers_donnes(valeurs: list[str]) -> dict[str, Path]:
    """`TYPE=CHEMIN` arguments; an unknown type or a missing path is refused in French."""
    donnes = {}
    for v in valeurs:
        m = _CODE_TYPE.match(v.strip())
        if not m or m.group(1) not in TYPES:
            raise ErreurGeographie(f"« {v} » : TYPE=CHEMIN attendu, types : {', '.join(TYPES)}.")
        chemin = Path(m.group(2))
        if not chemin.exists():
            raise ErreurGeographie(f"{chemin} : fichier introuvable ({LIBELLES[m.group(1)]}).")
        if m.group(1) in MULTIPLES:
            donnes.setdefault(m.group(1), []).append(chemin)
        else:
            donnes[m.group(1)] = chemin
    return donnes


def resume(reference: Reference) -> list[str]:
    from pre_pilotage.formats import nombre

    t = reference.tables
    cites = t["cite"]["cite_id"].n_unique() if t["cite"].height else 0
    return [
        f"Communes avec un PRE : {nombre(t['pre_commune'].height)} (et "
        f"{nombre(t['commune_couverte'].height)} autres communes d'un EPCI porteur)",
        f"QPV 2024 : {nombre(t['qpv'].height)} (dont "
        f"{nombre(t['qpv'].filter(~pl.col('pre')).height)} sans PRE, ni communal ni intercommunal)",
        f"Écoles et collèges REP et REP+ : {nombre(t['ecole'].height)}",
        f"Cités éducatives : {nombre(cites)}",
        *reference.remarques,
    ]


# ------------------------------------------------------------------------- command line


def declarer(commandes) -> None:
    sous = commandes.add_parser(
        "territoires",
        help="construit la référence nationale de la page « Territoires »",
        description="Construit la référence nationale de la page « Territoires » (communes avec "
        "un PRE de la liste ANCT, QPV 2024, écoles REP et REP+, Cités éducatives) depuis les "
        "fichiers officiels d'un dossier (cherchés par leur nom de publication, sous-dossiers "
        "compris) ou donnés un à un avec --fichier.",
    )
    sous.add_argument(
        "--dossier",
        type=Path,
        default=config.RACINE / "geodata" / "sources",
        help="dossier des fichiers officiels (geodata/sources/ par défaut)",
    )
    sous.add_argument(
        "--fichier",
        action="append",
        default=[],
        metavar="TYPE=CHEMIN",
        help=f"fichier à lire au lieu de celui du dossier (types : {', '.join(TYPES)})",
    )
    sous.add_argument(
        "--sortie", type=Path, default=None, help="fichier à écrire (data/territoires.duckdb)"
    )


def executer(arguments) -> int:
    import sys

    sortie = arguments.sortie or chemin_reference()
    try:
        fichiers = trouver(arguments.dossier, fichiers_donnes(arguments.fichier))
        for type_, chemin in sorted(fichiers.items()):
            noms = chemin if isinstance(chemin, list) else [chemin]
            print(f"{LIBELLES[type_]} : {', '.join(str(n) for n in noms)}")
        reference = construire(fichiers)
    except ErreurGeographie as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        print(f"Le fichier {sortie} n'a pas été modifié.", file=sys.stderr)
        return 1
    ecrire(reference, sortie)
    for ligne in resume(reference):
        print(ligne)
    print(f"Référence nationale écrite : {sortie}")
    return 0
