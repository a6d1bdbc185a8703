-- Years for which the programme has a team, a programming or imported files, most recent first
-- grain: one row per year
-- params: $pre_id VARCHAR
-- secret: none
with annees as (
    select annee from equipe where pre_id = $pre_id
    union
    select annee from fiche_action where pre_id = $pre_id
    union
    -- Children imported for a year without a team file yet are shown too.
    select annee from lot_import where pre_id = $pre_id
)

select annee
from annees
order by annee desc
