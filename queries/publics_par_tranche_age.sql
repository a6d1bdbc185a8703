-- Active children by age band, for the selected year and the year before, beside the national split
-- grain: one row per year ($annee - 1 and $annee) and age band (all four, even when empty)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=effectif; partition=annee; share=part:effectif
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

actifs as (
    select distinct
        a.annee,
        p.beneficiaire_id,
        tranche_age(a.annee - p.annee_naissance) as tranche_age
    from annees as a
    inner join parcours_territoire($pre_id, $commune, $qpv) as p
        on actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
),

modalites as (
    select code as modalite, libelle, ordre
    from nomenclature
    where domaine = 'tranche_age'
),

comptes as (
    select
        a.annee,
        m.modalite,
        m.libelle,
        m.ordre,
        count(x.beneficiaire_id) as effectif,
        coalesce(list_sort(list_distinct(list('b:' || x.beneficiaire_id)
            filter (where x.beneficiaire_id is not null))), []) as effectif__ids
    from annees as a
    cross join modalites as m
    left join actifs as x on x.annee = a.annee and x.tranche_age = m.modalite
    group by a.annee, m.modalite, m.libelle, m.ordre
)

select
    c.annee,
    c.modalite,
    c.libelle,
    c.effectif,
    round(100.0 * c.effectif / nullif(sum(c.effectif) over (partition by c.annee), 0), 1) as part,
    n.part_nationale,
    n.annee_nationale,
    n.source_nationale,
    c.effectif__ids
from comptes as c
left join reference_courante('tranche_age') as n on n.modalite = c.modalite
order by c.annee, c.ordre
