-- Outlines of the programme's communes and of its EPCI, the map's background
-- grain: one row per commune of the programme, plus one row for its EPCI
-- params: $pre_id VARCHAR, $niveau VARCHAR
-- secret: none
select
    'commune' as nature,
    c.code_insee as code,
    c.nom,
    c.population,
    case when $niveau = 'national' then c.geom_national else c.geom_territoire end as geom
from programme_commune as pc
inner join commune as c on c.code_insee = pc.code_insee
where pc.pre_id = $pre_id

union all

select
    'epci' as nature,
    e.siren as code,
    e.nom,
    e.population,
    case when $niveau = 'national' then e.geom_national else e.geom_territoire end as geom
from programme as p
inner join epci as e on e.siren = p.siren_epci
where p.pre_id = $pre_id

order by nature, nom
