-- Programmed budget of the year by programme and funder, for the aggregates across programmes (Territoires page)
-- grain: one row per programme and funder with a non-zero planned amount in the year
-- params: $annee INTEGER
-- secret: none
with montants as (
    select
        f.pre_id,
        fi.financeur,
        sum(fi.montant_prevu) as montant_prevu
    from fiche_action as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    where f.annee = $annee
    group by f.pre_id, fi.financeur
    having sum(fi.montant_prevu) > 0
)

select
    m.pre_id,
    m.financeur,
    n.libelle,
    n.ordre,
    cast(m.montant_prevu as double) as montant_prevu
from montants as m
inner join nomenclature as n on n.domaine = 'financeur' and n.code = m.financeur
order by m.pre_id, n.ordre
