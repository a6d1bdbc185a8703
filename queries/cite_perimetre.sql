-- Perimeter of each Cité éducative of the programme's communes: its communes, QPV and schools (the Cité's map)
-- grain: one row per Cité éducative and element of its perimeter (commune, QPV of any geography, school)
-- params: $pre_id VARCHAR
-- secret: none
with cites as (
    select cite_id from cites_du_programme($pre_id)
),

elements as (
    select cite_id, 'commune' as nature, code_insee as code from cite_educative_commune
    union all
    select cite_id, 'qpv' as nature, code_qp as code from cite_educative_qpv
    union all
    select cite_id, 'etablissement' as nature, uai as code from cite_educative_etablissement
)

select
    e.cite_id,
    e.nature,
    e.code
from elements as e
inner join cites as k on k.cite_id = e.cite_id
order by e.cite_id, e.nature, e.code
