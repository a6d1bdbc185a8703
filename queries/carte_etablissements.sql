-- Écoles and collèges of the programme's communes: network, position to the QPV, children schooled
-- grain: one row per school (école or collège)
-- params: $pre_id VARCHAR, $commune VARCHAR, $annee INTEGER
-- secret: counts=beneficiaires; partition=*
with etablissements as (
    select e.*
    from etablissement as e
    inner join programme_commune as pc on pc.code_insee = e.code_insee
    where pc.pre_id = $pre_id
        and ($commune is null or e.code_insee = $commune)
),

eleves as (
    select
        b.uai,
        count(distinct b.beneficiaire_id) as beneficiaires,
        list_sort(list_distinct(list('b:' || b.beneficiaire_id))) as beneficiaires__ids
    from parcours_territoire($pre_id, null, null) as b
    where actif_dans_annee(b.date_entree, b.date_sortie, $annee)
        and b.uai is not null
    group by b.uai
)

select
    e.uai,
    e.nom,
    e.type_etablissement,
    c.nom as commune,
    e.education_prioritaire,
    e.uai_tete_reseau,
    t.nom as tete_reseau,
    e.position_qpv,
    e.code_qp_proche,
    q.nom as qpv_proche,
    e.distance_qpv_m,
    e.longitude,
    e.latitude,
    coalesce(n.beneficiaires, 0) as beneficiaires,
    coalesce(n.beneficiaires__ids, []) as beneficiaires__ids
from etablissements as e
inner join commune as c on c.code_insee = e.code_insee
left join etablissement as t on t.uai = e.uai_tete_reseau
left join qpv as q on q.code_qp = e.code_qp_proche
left join eleves as n on n.uai = e.uai
order by e.nom, e.uai
