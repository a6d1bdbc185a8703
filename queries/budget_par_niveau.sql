-- Programming of the year split between intercommunal and communal fiches-action, with the year before
-- grain: one row per level (intercommunal, communal), both always present
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: none
with fiches as (
    select
        f.fiche_id,
        f.annee,
        f.niveau
    from fiches_territoire($pre_id, $commune, $qpv) as f
    where f.annee in ($annee - 1, $annee)
),

montants as (
    select
        f.niveau,
        count(distinct f.fiche_id) filter (where f.annee = $annee) as fiches_action,
        sum(fi.montant_prevu) filter (where f.annee = $annee) as montant_prevu,
        sum(fi.montant_prevu) filter (where f.annee = $annee - 1) as montant_prevu_precedent
    from fiches as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    group by f.niveau
),

niveaux as (
    select code as niveau, libelle, ordre
    from nomenclature
    where domaine = 'niveau'
),

complet as (
    select
        n.niveau,
        n.libelle,
        n.ordre,
        coalesce(m.fiches_action, 0) as fiches_action,
        coalesce(m.montant_prevu, 0) as montant_prevu,
        coalesce(m.montant_prevu_precedent, 0) as montant_prevu_precedent
    from niveaux as n
    left join montants as m on m.niveau = n.niveau
)

select
    niveau,
    libelle,
    fiches_action,
    cast(montant_prevu as double) as montant_prevu,
    round(100.0 * montant_prevu / nullif(sum(montant_prevu) over (), 0), 1) as part,
    cast(montant_prevu_precedent as double) as montant_prevu_precedent,
    round(100.0 * (montant_prevu - montant_prevu_precedent)
        / nullif(montant_prevu_precedent, 0), 1) as evolution
from complet
order by ordre
