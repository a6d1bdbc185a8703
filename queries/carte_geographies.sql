-- Geographies (2024, 2015) of the QPV of a programme's communes, and how many QPV have a contour
-- grain: one row per geography year, most recent first
-- params: $pre_id VARCHAR
-- secret: none
with quartiers as (
    select distinct
        q.code_qp,
        q.annee_geographie,
        q.geom is not null as avec_contour
    from programme_commune as pc
    inner join qpv_commune as qc on qc.code_insee = pc.code_insee
    inner join qpv as q on q.code_qp = qc.code_qp
    where pc.pre_id = $pre_id
)

select
    annee_geographie,
    count(*) as qpv,
    count(*) filter (where avec_contour) as qpv_avec_contour
from quartiers
group by annee_geographie
order by annee_geographie desc
