"""Documentation kept honest: every indicator shown has a written definition."""

from __future__ import annotations

import ast
import re

from pre_pilotage import config
from pre_pilotage.indicateurs import CHAMPS_OBLIGATOIRES, definitions


def _codes_affiches() -> set[str]:
    """Indicator codes passed to ui.chiffre_cle / ui.afficher_graphique by the pages."""
    codes = set()
    for fichier in (config.RACINE / "pages").glob("*.py"):
        for noeud in ast.walk(ast.parse(fichier.read_text(encoding="utf-8"))):
            if (
                isinstance(noeud, ast.Call)
                and isinstance(noeud.func, ast.Attribute)
                and noeud.func.attr in ("chiffre_cle", "afficher_graphique")
            ):
                premier = noeud.args[0] if noeud.func.attr == "chiffre_cle" else noeud.args[1]
                if isinstance(premier, ast.Constant):
                    codes.add(premier.value)
                elif isinstance(premier, ast.Name):
                    # A loop variable: collect the literal tuple it iterates over.
                    codes |= _valeurs_de_boucle(fichier, premier.id)
    return codes


def _valeurs_de_boucle(fichier, nom) -> set[str]:
    valeurs = set()
    for noeud in ast.walk(ast.parse(fichier.read_text(encoding="utf-8"))):
        if isinstance(noeud, ast.For):
            for constante in ast.walk(noeud.iter):
                if isinstance(constante, ast.Constant) and isinstance(constante.value, str):
                    valeurs.add(constante.value)
    return valeurs


def test_chaque_indicateur_affiche_est_defini():
    codes = _codes_affiches()
    assert len(codes) >= 11
    assert codes <= set(definitions())


def test_definitions_completes():
    for indicateur in definitions().values():
        for champ in ("definition", "formule", "periode", "masquage"):
            assert len(getattr(indicateur, champ)) > 10, (indicateur.code, champ)
        assert indicateur.unite in ("nombre", "decimal", "euros", "pourcentage", "mois")
    assert CHAMPS_OBLIGATOIRES[0] == "Code"


def test_architecture_ne_cite_que_des_fichiers_existants():
    texte = (config.DOSSIER_DOCS / "architecture.md").read_text(encoding="utf-8")
    chemins = set(
        re.findall(r"`((?:pages|queries|pre_pilotage|tests|docs|geodata)/[\w./-]+)`", texte)
    )
    assert chemins
    for chemin in chemins:
        assert (config.RACINE / chemin).exists(), chemin


def test_readme_demarrage_rapide():
    texte = (config.RACINE / "README.md").read_text(encoding="utf-8")
    section = texte.split("## Démarrage rapide", 1)[1].split("\n## ", 1)[0]
    assert re.findall(r"^make \w+$", section, flags=re.M) == ["make run", "make test"]
    assert "make test" in (config.RACINE / ".ci" / "run").read_text()
