-- Programmed budget and its co-financing, for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: none
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

lignes as (
    select
        f.annee,
        f.fiche_id,
        fi.financeur,
        fi.montant_prevu
    from fiches_territoire($pre_id, $commune, $qpv) as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    where f.annee in (select annee from annees)
),

par_annee as (
    select
        a.annee,
        count(distinct l.fiche_id) as fiches_action,
        coalesce(sum(l.montant_prevu), 0) as budget_programme,
        coalesce(sum(l.montant_prevu) filter (where l.financeur = 'etat'), 0) as montant_etat
    from annees as a
    left join lignes as l on l.annee = a.annee
    group by a.annee
)

select
    annee,
    fiches_action,
    cast(budget_programme as double) as budget_programme,
    cast(montant_etat as double) as montant_etat,
    cast(budget_programme - montant_etat as double) as montant_cofinancement,
    round(100.0 * (budget_programme - montant_etat) / nullif(budget_programme, 0), 1)
        as part_cofinancee
from par_annee
order by annee
