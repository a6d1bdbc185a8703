-- Share of active parcours using each type of action (several per parcours), for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee) and action type (every known type and any other one used)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=effectif,parcours_actifs; rate=part:effectif,parcours_actifs
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

-- Not a partition: a parcours counts once under each type of action it uses.
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

utilisations as (
    select distinct
        x.annee,
        x.parcours_id,
        ap.type_action
    from actifs as x
    inner join action_parcours as ap on ap.parcours_id = x.parcours_id
),

modalites as (
    select code as modalite, libelle, ordre
    from nomenclature
    where domaine = 'type_action'
    union
    select type_action, type_action, 99
    from utilisations
    where type_action not in (select code from nomenclature where domaine = 'type_action')
),

comptes as (
    select
        a.annee,
        m.modalite,
        m.libelle,
        m.ordre,
        count(u.parcours_id) as effectif,
        coalesce(list_sort(list_distinct(list('p:' || u.parcours_id)
            filter (where u.parcours_id is not null))), []) as effectif__ids
    from annees as a
    cross join modalites as m
    left join utilisations as u on u.annee = a.annee and u.type_action = m.modalite
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
order by c.annee, c.ordre, c.libelle
