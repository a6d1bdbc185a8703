-- Active parcours by who oriented the child, for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee) and orienting partner (all of them, even when empty)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=effectif; partition=annee; share=part:effectif
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

actifs as (
    select
        a.annee,
        p.parcours_id,
        coalesce(p.orienteur, 'non_renseigne') as orienteur
    from annees as a
    inner join parcours_territoire($pre_id, $commune, $qpv) as p
        on actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
),

modalites as (
    select code as modalite, libelle, ordre
    from nomenclature
    where domaine = 'orienteur'
    union all
    select 'non_renseigne', 'Non renseigné', 99
),

comptes as (
    select
        a.annee,
        m.modalite,
        m.libelle,
        m.ordre,
        count(x.parcours_id) as effectif,
        coalesce(list_sort(list_distinct(list('p:' || x.parcours_id)
            filter (where x.parcours_id is not null))), []) as effectif__ids
    from annees as a
    cross join modalites as m
    left join actifs as x on x.annee = a.annee and x.orienteur = m.modalite
    group by a.annee, m.modalite, m.libelle, m.ordre
)

select
    annee,
    modalite,
    libelle,
    effectif,
    round(100.0 * effectif / nullif(sum(effectif) over (partition by annee), 0), 1) as part,
    cast(null as double) as part_nationale,
    cast(null as integer) as annee_nationale,
    cast(null as varchar) as source_nationale,
    effectif__ids
from comptes
-- "Not recorded" only when some parcours lack the value.
qualify modalite <> 'non_renseigne' or sum(effectif) over (partition by modalite) > 0
order by annee, ordre
