-- The year's entries and exits split at the programme's last comité de pilotage of the year (its own COPIL, or a joint PRE – Cité COPIL it attended): from the 1st of January to the COPIL, and since, up to the end of the year (or the data date when earlier). Parcours under way on a date are not given: that stock links parcours of earlier years, which the protection models year by year only through the declared stock-flow identities
-- grain: zero or one row for the whole programme (no row when the programme held no COPIL in $annee before that end); no commune or QPV filter, so that these dated splits add few cells to protect
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: counts=entrees_copil,entrees_depuis,entrees_fin,sorties_copil,sorties_depuis,sorties_fin; sum=entrees_fin:entrees_copil+entrees_depuis; sum=sorties_fin:sorties_copil+sorties_depuis
with fin as (
    select least(
        make_date($annee, 12, 31),
        coalesce(
            (select max(try_cast(valeur as date)) from meta where cle = 'date_donnees'),
            make_date($annee, 12, 31)
        )
    ) as date_fin
),

copil as (
    select max(r.date_reunion) as date_copil
    from gouvernance_reunion as r
    inner join gouvernance_participation as gp
        on gp.reunion_id = r.reunion_id and gp.pre_id = $pre_id
    where
        r.instance in ('copil_pre', 'copil_conjoint')
        and year(r.date_reunion) = $annee
        and r.date_reunion < (select date_fin from fin)
),

dates as (
    select c.date_copil, f.date_fin
    from copil as c
    cross join fin as f
    where c.date_copil is not null
),

parcours_retenus as (
    select p.*, d.date_copil, d.date_fin
    from parcours_territoire($pre_id, null, null) as p
    cross join dates as d
),

-- The year's entries and exits up to the end, each marked as before (or on) the COPIL's day.
flux as (
    select parcours_id, 'entree' as sens, date_entree <= date_copil as avant
    from parcours_retenus
    where date_entree between make_date($annee, 1, 1) and date_fin
    union all
    select parcours_id, 'sortie' as sens, date_sortie <= date_copil as avant
    from parcours_retenus
    where date_sortie between make_date($annee, 1, 1) and date_fin
)

select
    d.date_copil,
    d.date_fin,
    count(f.parcours_id) filter (where f.sens = 'entree' and f.avant) as entrees_copil,
    count(f.parcours_id) filter (where f.sens = 'entree' and not f.avant) as entrees_depuis,
    count(f.parcours_id) filter (where f.sens = 'entree') as entrees_fin,
    count(f.parcours_id) filter (where f.sens = 'sortie' and f.avant) as sorties_copil,
    count(f.parcours_id) filter (where f.sens = 'sortie' and not f.avant) as sorties_depuis,
    count(f.parcours_id) filter (where f.sens = 'sortie') as sorties_fin,
    coalesce(list_sort(list_distinct(list('p:' || f.parcours_id)
        filter (where f.sens = 'entree' and f.avant))), []) as entrees_copil__ids,
    coalesce(list_sort(list_distinct(list('p:' || f.parcours_id)
        filter (where f.sens = 'entree' and not f.avant))), []) as entrees_depuis__ids,
    coalesce(list_sort(list_distinct(list('p:' || f.parcours_id)
        filter (where f.sens = 'entree'))), []) as entrees_fin__ids,
    coalesce(list_sort(list_distinct(list('p:' || f.parcours_id)
        filter (where f.sens = 'sortie' and f.avant))), []) as sorties_copil__ids,
    coalesce(list_sort(list_distinct(list('p:' || f.parcours_id)
        filter (where f.sens = 'sortie' and not f.avant))), []) as sorties_depuis__ids,
    coalesce(list_sort(list_distinct(list('p:' || f.parcours_id)
        filter (where f.sens = 'sortie'))), []) as sorties_fin__ids
from dates as d
left join flux as f on true
group by d.date_copil, d.date_fin
order by d.date_copil
