-- Children followed in the year per QPV of the programme's communes: the map's choropleth and cards
-- grain: one row per QPV of the chosen geography (every QPV, even without any child)
-- params: $pre_id VARCHAR, $commune VARCHAR, $annee INTEGER, $geographie INTEGER, $niveau VARCHAR
-- secret: counts=beneficiaires; partition=*; rate=beneficiaires_pour_100:beneficiaires; rate=part_programme:beneficiaires
with quartiers as (
    select distinct q.code_qp
    from programme_commune as pc
    inner join qpv_commune as qc on qc.code_insee = pc.code_insee
    inner join qpv as q on q.code_qp = qc.code_qp
    where pc.pre_id = $pre_id
        and q.annee_geographie = $geographie
        and ($commune is null or qc.code_insee = $commune)
),

communes as (
    select
        qc.code_qp,
        string_agg(c.nom, ', ' order by c.nom) as communes,
        min(c.code_insee) as code_insee
    from quartiers as q
    inner join qpv_commune as qc on qc.code_qp = q.code_qp
    inner join commune as c on c.code_insee = qc.code_insee
    group by qc.code_qp
),

enfants as (
    select
        b.code_qp,
        count(distinct b.beneficiaire_id) as beneficiaires,
        list_sort(list_distinct(list('b:' || b.beneficiaire_id))) as beneficiaires__ids
    from parcours_territoire($pre_id, null, null) as b
    where actif_dans_annee(b.date_entree, b.date_sortie, $annee)
        and b.zone_residence = 'qpv'
    group by b.code_qp
),

programme as (
    select count(distinct p.beneficiaire_id) as actifs
    from parcours as p
    where p.pre_id = $pre_id
        and actif_dans_annee(p.date_entree, p.date_sortie, $annee)
),

eps_actives as (
    select
        e.code_qp,
        count(distinct e.eps_id) as eps_actives
    from eps as e
    inner join eps_reunion as r on r.eps_id = e.eps_id
    where e.pre_id = $pre_id
        and year(r.date_reunion) = $annee
    group by e.code_qp
)

select
    $annee as annee,
    q.code_qp,
    q.nom,
    c.communes,
    c.code_insee,
    q.annee_geographie,
    q.population,
    q.population_enfants,
    q.longitude,
    q.latitude,
    coalesce(n.beneficiaires, 0) as beneficiaires,
    round(100.0 * coalesce(n.beneficiaires, 0) / nullif(q.population_enfants, 0), 1)
        as beneficiaires_pour_100,
    round(100.0 * coalesce(n.beneficiaires, 0) / nullif(p.actifs, 0), 1) as part_programme,
    coalesce(e.eps_actives, 0) as eps_actives,
    case when $niveau = 'national' then q.geom_national else q.geom_territoire end as geom,
    coalesce(n.beneficiaires__ids, []) as beneficiaires__ids
from quartiers as k
inner join qpv as q on q.code_qp = k.code_qp
inner join communes as c on c.code_qp = q.code_qp
cross join programme as p
left join enfants as n on n.code_qp = q.code_qp
left join eps_actives as e on e.code_qp = q.code_qp
order by q.nom, q.code_qp
