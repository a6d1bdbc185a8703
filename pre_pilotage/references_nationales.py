"""Which national reference figure sits beside which indicator, said in French (the figures live
in the database, query `references_nationales`); shared by the pages and the report."""

from __future__ import annotations

import polars as pl

from pre_pilotage import formats


def texte(cadre: pl.DataFrame, code: str) -> str | None:
    """The national reference shown beside indicator `code`, from the `references_nationales`
    frame (None when the indicator has none)."""
    valeurs = {
        (i, m): (v, a, s)
        for i, m, v, a, s in zip(
            cadre["indicateur"],
            cadre["modalite"],
            cadre["valeur"],
            cadre["annee_donnees"],
            cadre["source"],
            strict=True,
        )
    }

    def source(cle) -> str:
        return f"{valeurs[cle][2].split(',')[0]}, données {valeurs[cle][1]}"

    if code == "enfants_par_etp" and ("enfants_par_referent", "ensemble") in valeurs:
        cle = ("enfants_par_referent", "ensemble")
        return f"{formats.nombre(valeurs[cle][0])} enfants par référent ({source(cle)})"
    duree = ("duree_parcours_mois", "minimum")
    if code in ("duree_mediane_mois", "duree_moyenne_mois") and duree in valeurs:
        mini = valeurs[duree][0]
        maxi = valeurs[("duree_parcours_mois", "maximum")][0]
        return (
            f"durée moyenne de {formats.nombre(mini)} à {formats.nombre(maxi)} mois "
            f"({source(duree)})"
        )
    if code == "cout_par_beneficiaire" and ("cout_par_enfant", "ensemble") in valeurs:
        cle = ("cout_par_enfant", "ensemble")
        return f"environ {formats.euros(valeurs[cle][0])} par enfant ({source(cle)})"
    if code == "actifs" and ("beneficiaires", "ensemble") in valeurs:
        cle = ("beneficiaires", "ensemble")
        programmes = valeurs.get(("programmes", "ensemble"), (None,))[0]
        par_programme = (
            f", soit environ {formats.nombre(valeurs[cle][0] / programmes)} par programme"
            if programmes
            else ""
        )
        return f"{formats.nombre(valeurs[cle][0])} enfants en France{par_programme} ({source(cle)})"
    if code == "budget_programme" and ("credits_politique_ville", "ensemble") in valeurs:
        cle = ("credits_politique_ville", "ensemble")
        return f"{formats.euros(valeurs[cle][0])} de crédits de la politique de la ville ({source(cle)})"
    if code == "part_cofinancee" and ("financement", "etat") in valeurs:
        cle = ("financement", "etat")
        return f"{formats.pourcentage(100 - valeurs[cle][0])} hors État ({source(cle)})"
    return None
