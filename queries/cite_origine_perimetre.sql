-- How each Cité éducative's perimeter is known (cite_educative.perimetre, set by the geography build): 'qpv_declares' (QPV given by a file), 'qpv_deduits' (QPV inferred from its communes and name, to be confirmed), 'communes' (no QPV known: its communes), null (not recorded)
-- grain: one row per Cité éducative of the programme's communes
-- params: $pre_id VARCHAR
-- secret: none
with cites as (
    select cite_id from cites_du_programme($pre_id)
)

select
    ce.cite_id,
    ce.nom,
    ce.perimetre
from cites as k
inner join cite_educative as ce on ce.cite_id = k.cite_id
order by ce.nom, ce.cite_id
