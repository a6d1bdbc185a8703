-- Share of active parcours having each orientation motive (several motives per parcours), for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee) and motive (all of them, even when empty)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=effectif,parcours_actifs; rate=part:effectif,parcours_actifs
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

-- Not a partition: a parcours counts once under each of its motives, so the counts do not add
-- up to the number of parcours and each count is masked on its own.
actifs as (
    select
        a.annee,
        p.parcours_id
    from annees as a
    inner join parcours_territoire($pre_id, $commune, $qpv) as p
        on actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
),

totaux as (
    select
        a.annee,
        count(x.parcours_id) as parcours_actifs,
        coalesce(list_sort(list_distinct(list('p:' || x.parcours_id)
            filter (where x.parcours_id is not null))), []) as parcours_actifs__ids
    from annees as a
    left join actifs as x on x.annee = a.annee
    group by a.annee
),

modalites as (
    select code as modalite, libelle, ordre
    from nomenclature
    where domaine = 'motif'
),

comptes as (
    select
        a.annee,
        m.modalite,
        m.libelle,
        m.ordre,
        count(pm.parcours_id) as effectif,
        coalesce(list_sort(list_distinct(list('p:' || pm.parcours_id)
            filter (where pm.parcours_id is not null))), []) as effectif__ids
    from annees as a
    cross join modalites as m
    left join (
        actifs as x inner join parcours_motif as pm on pm.parcours_id = x.parcours_id
    ) on x.annee = a.annee and pm.motif = m.modalite
    group by a.annee, m.modalite, m.libelle, m.ordre
)

select
    c.annee,
    c.modalite,
    c.libelle,
    c.effectif,
    t.parcours_actifs,
    round(100.0 * c.effectif / nullif(t.parcours_actifs, 0), 1) as part,
    cast(null as double) as part_nationale,
    cast(null as integer) as annee_nationale,
    cast(null as varchar) as source_nationale,
    c.effectif__ids,
    t.parcours_actifs__ids
from comptes as c
inner join totaux as t on t.annee = c.annee
order by c.annee, c.ordre
