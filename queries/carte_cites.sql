-- Cités éducatives of the programme's communes: perimeter, communes, QPV, collège chef de file
-- grain: one row per Cité éducative
-- params: $pre_id VARCHAR, $geographie INTEGER, $niveau VARCHAR
-- secret: none
with cites as (
    select cite_id from cites_du_programme($pre_id)
),

communes as (
    select
        cc.cite_id,
        string_agg(c.nom, ', ' order by c.nom) as communes
    from cite_educative_commune as cc
    inner join commune as c on c.code_insee = cc.code_insee
    group by cc.cite_id
),

quartiers as (
    select
        cq.cite_id,
        list(cq.code_qp order by cq.code_qp) as codes_qp,
        bool_or(cq.origine = 'deduit') as qpv_deduits
    from cite_educative_qpv as cq
    inner join qpv as q on q.code_qp = cq.code_qp
    where q.annee_geographie = $geographie
    group by cq.cite_id
),

etablissements as (
    select
        cite_id,
        count(*) as etablissements
    from cite_educative_etablissement
    group by cite_id
)

select
    ce.cite_id,
    ce.nom,
    ce.annee_labellisation,
    chef.nom as chef_de_file,
    m.communes,
    coalesce(q.codes_qp, []) as codes_qp,
    coalesce(q.qpv_deduits, false) as qpv_deduits,
    coalesce(e.etablissements, 0) as etablissements,
    case when $niveau = 'national' then ce.geom_national else ce.geom_territoire end as geom
from cites as k
inner join cite_educative as ce on ce.cite_id = k.cite_id
left join etablissement as chef on chef.uai = ce.uai_chef_de_file
left join communes as m on m.cite_id = ce.cite_id
left join quartiers as q on q.cite_id = ce.cite_id
left join etablissements as e on e.cite_id = ce.cite_id
order by ce.nom
