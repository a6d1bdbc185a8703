-- Active children, entries and exits for every year the programme has data
-- grain: one row per year
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR
-- secret: counts=actifs,entrees,sorties; stock_flow=annee:actifs:entrees:sorties
with annees as (
    select annee from equipe where pre_id = $pre_id
    union
    select annee from fiche_action where pre_id = $pre_id
),

parcours_retenus as (
    select * from parcours_territoire($pre_id, $commune, $qpv)
)

select
    a.annee,
    count(distinct p.beneficiaire_id)
        filter (where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)) as actifs,
    count(p.parcours_id) filter (where year(p.date_entree) = a.annee) as entrees,
    count(p.parcours_id) filter (where year(p.date_sortie) = a.annee) as sorties,
    coalesce(list_sort(list_distinct(list('b:' || p.beneficiaire_id)
        filter (where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)))), [])
        as actifs__ids,
    coalesce(list_sort(list_distinct(list('p:' || p.parcours_id)
        filter (where year(p.date_entree) = a.annee))), []) as entrees__ids,
    coalesce(list_sort(list_distinct(list('p:' || p.parcours_id)
        filter (where year(p.date_sortie) = a.annee))), []) as sorties__ids
from annees as a
left join parcours_retenus as p on true
group by a.annee
order by a.annee
