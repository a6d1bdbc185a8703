-- Programmes held in the database, for the territory selector
-- grain: one row per programme
-- params: none
-- secret: none
select
    pre_id,
    nom
from programme
order by nom
