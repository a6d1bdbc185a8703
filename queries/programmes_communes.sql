-- Communes of every programme held in the database, for the Territoires page
-- grain: one row per programme and commune
-- params: none
-- secret: none
select
    p.pre_id,
    p.nom as nom_programme,
    pc.code_insee
from programme as p
inner join programme_commune as pc on pc.pre_id = p.pre_id
order by p.nom, pc.code_insee
