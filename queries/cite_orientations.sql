-- Cité éducative articulation 5: orientations to the programme of children living in the Cité's communes, and those coming from Cité éducative actors, for the selected year and the year before
-- grain: one row per Cité éducative of the programme's communes and year of orientation ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: counts=orientations,orientations_cite,orientations_autres; sum=orientations:orientations_cite+orientations_autres; rate=part_orientations_cite:orientations_cite,orientations_autres
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

cites as (
    select cite_id from cites_du_programme($pre_id)
),

-- The orientation date, or the entry date when the orientation date is unknown.
orientations as (
    select
        p.parcours_id,
        year(coalesce(p.date_orientation, p.date_entree)) as annee,
        p.code_insee_residence,
        p.oriente_par_cite_educative
    from parcours_territoire($pre_id, null, null) as p
),

comptes as (
    select
        c.cite_id,
        a.annee,
        count(o.parcours_id) as orientations,
        count(o.parcours_id) filter (where o.oriente_par_cite_educative) as orientations_cite,
        coalesce(list_sort(list_distinct(list('p:' || o.parcours_id)
            filter (where o.parcours_id is not null))), []) as orientations__ids,
        coalesce(list_sort(list_distinct(list('p:' || o.parcours_id)
            filter (where o.oriente_par_cite_educative))), []) as orientations_cite__ids,
        -- The difference orientations - orientations_cite (the flag is never null).
        coalesce(list_sort(list_distinct(list('p:' || o.parcours_id)
            filter (where not o.oriente_par_cite_educative))), []) as orientations_autres__ids
    from cites as c
    cross join annees as a
    left join orientations as o
        on o.annee = a.annee
        and o.code_insee_residence in (
            select cc.code_insee from cite_educative_commune as cc where cc.cite_id = c.cite_id
        )
    group by c.cite_id, a.annee
)

select
    k.cite_id,
    ce.nom,
    k.annee,
    k.orientations,
    k.orientations_cite,
    -- Masked too: the share and the total would otherwise give it away.
    k.orientations - k.orientations_cite as orientations_autres,
    round(100.0 * k.orientations_cite / nullif(k.orientations, 0), 1) as part_orientations_cite,
    k.orientations__ids,
    k.orientations_cite__ids,
    k.orientations_autres__ids
from comptes as k
inner join cite_educative as ce on ce.cite_id = k.cite_id
order by ce.nom, k.annee
