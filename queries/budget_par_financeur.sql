-- Programmed budget of the year by funder, in euros and share of the total
-- grain: one row per funder with a non-zero amount
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: none
with montants as (
    select
        fi.financeur,
        sum(fi.montant_prevu) as montant_prevu
    from fiches_territoire($pre_id, $commune, $qpv) as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    where f.annee = $annee
    group by fi.financeur
    having sum(fi.montant_prevu) > 0
)

select
    m.financeur,
    n.libelle,
    cast(m.montant_prevu as double) as montant_prevu,
    round(100.0 * m.montant_prevu / sum(m.montant_prevu) over (), 1) as part
from montants as m
inner join nomenclature as n on n.domaine = 'financeur' and n.code = m.financeur
order by n.ordre
