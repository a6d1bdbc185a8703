-- Active parcours by profile (1, 2, 3), for the selected year and the year before, beside the national share
-- grain: one row per year ($annee - 1 and $annee) and profile (1, 2, 3 and "not recorded", even when empty)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=effectif; partition=annee; share=part:effectif
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

actifs as (
    select
        a.annee,
        p.parcours_id,
        coalesce(cast(p.profil as varchar), 'non_renseigne') as profil
    from annees as a
    inner join parcours_territoire($pre_id, $commune, $qpv) as p
        on actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
),

modalites as (
    select code as modalite, libelle, ordre
    from nomenclature
    where domaine = 'profil'
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
    left join actifs as x on x.annee = a.annee and x.profil = m.modalite
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
left join reference_courante('profil') as n on n.modalite = c.modalite
-- "Not recorded" only when some parcours lack the value.
qualify c.modalite <> 'non_renseigne' or sum(c.effectif) over (partition by c.modalite) > 0
order by c.annee, c.ordre
