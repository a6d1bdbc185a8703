-- Every QPV (all geographies) of a programme's communes: the QPV cards the statistical protection covers
-- grain: one row per QPV
-- params: $pre_id VARCHAR
-- secret: none
select distinct qc.code_qp
from programme_commune as pc
inner join qpv_commune as qc on qc.code_insee = pc.code_insee
where pc.pre_id = $pre_id
order by qc.code_qp
