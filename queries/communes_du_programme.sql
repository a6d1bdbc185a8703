-- Communes where a programme intervenes, for the territory selector
-- grain: one row per commune
-- params: $pre_id VARCHAR
-- secret: none
select
    c.code_insee,
    c.nom
from programme_commune as pc
inner join commune as c on c.code_insee = pc.code_insee
where pc.pre_id = $pre_id
order by c.nom
