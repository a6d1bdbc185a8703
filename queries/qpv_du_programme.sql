-- QPV of a programme's communes (optionally of one commune), for the territory selector
-- grain: one row per QPV
-- params: $pre_id VARCHAR, $commune VARCHAR
-- secret: none
select distinct
    q.code_qp,
    q.nom,
    qc.code_insee
from programme_commune as pc
inner join qpv_commune as qc on qc.code_insee = pc.code_insee
inner join qpv as q on q.code_qp = qc.code_qp
where pc.pre_id = $pre_id
    and ($commune is null or qc.code_insee = $commune)
order by q.nom
