-- Parcours closed in the selected year and the year before, by exit reason
-- grain: one row per year ($annee - 1 and $annee) and exit reason (all of them, even when empty)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=effectif; partition=annee; share=part:effectif
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

clos as (
    select
        year(p.date_sortie) as annee,
        p.parcours_id,
        coalesce(p.motif_sortie, 'non_renseigne') as motif_sortie
    from parcours_territoire($pre_id, $commune, $qpv) as p
    where year(p.date_sortie) in (select annee from annees)
),

modalites as (
    select code as modalite, libelle, ordre
    from nomenclature
    where domaine = 'motif_sortie'
    union all
    select 'non_renseigne', 'Non renseigné', 99
),

comptes as (
    select
        a.annee,
        m.modalite,
        m.libelle,
        m.ordre,
        count(c.parcours_id) as effectif,
        coalesce(list_sort(list_distinct(list('p:' || c.parcours_id)
            filter (where c.parcours_id is not null))), []) as effectif__ids
    from annees as a
    cross join modalites as m
    left join clos as c on c.annee = a.annee and c.motif_sortie = m.modalite
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
