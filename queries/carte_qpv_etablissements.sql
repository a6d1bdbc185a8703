-- Schools inside or within 300 m of each QPV of the programme's communes (derived at build time)
-- grain: one row per QPV and school
-- params: $pre_id VARCHAR, $geographie INTEGER
-- secret: none
select distinct
    l.code_qp,
    l.uai,
    l.position,
    l.distance_m
from qpv_etablissement as l
inner join qpv as q on q.code_qp = l.code_qp
inner join qpv_commune as qc on qc.code_qp = l.code_qp
inner join programme_commune as pc on pc.code_insee = qc.code_insee
where pc.pre_id = $pre_id
    and q.annee_geographie = $geographie
order by l.code_qp, l.distance_m, l.uai
