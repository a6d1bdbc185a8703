-- Parcours closed in the selected year and the year before, by duration band
-- grain: one row per year ($annee - 1 and $annee) and duration band (all five, even when empty)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=effectif; partition=annee; share=part:effectif
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

clos as (
    select
        year(p.date_sortie) as annee,
        p.parcours_id,
        date_diff('day', p.date_entree, p.date_sortie) / 30.4375 as duree_mois
    from parcours_territoire($pre_id, $commune, $qpv) as p
    where year(p.date_sortie) in (select annee from annees)
),

modalites as (
    select *
    from (
        values
            ('moins_6_mois', 'Moins de 6 mois', 1, 0, 6),
            ('6_12_mois', 'De 6 à moins de 12 mois', 2, 6, 12),
            ('12_18_mois', 'De 12 à moins de 18 mois', 3, 12, 18),
            ('18_24_mois', 'De 18 à moins de 24 mois', 4, 18, 24),
            ('24_mois_et_plus', '24 mois et plus', 5, 24, null)
    ) as t (modalite, libelle, ordre, minimum, maximum)
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
    left join clos as c
        on c.annee = a.annee
        and c.duree_mois >= m.minimum
        and (m.maximum is null or c.duree_mois < m.maximum)
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
order by annee, ordre
