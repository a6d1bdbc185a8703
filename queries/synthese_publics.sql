-- Key figures on the children followed, for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=actifs,entrees,sorties,beneficiaires_qpv,beneficiaires_hors_qpv; sum=actifs:beneficiaires_qpv+beneficiaires_hors_qpv; stock_flow=annee:actifs:entrees:sorties; rate=part_qpv:beneficiaires_qpv,beneficiaires_hors_qpv; rate=duree_mediane_mois:sorties
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

parcours_retenus as (
    select * from parcours_territoire($pre_id, $commune, $qpv)
),

par_annee as (
    select
        a.annee,
        count(distinct p.beneficiaire_id)
            filter (where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)) as actifs,
        count(distinct p.beneficiaire_id) filter (
            where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
            and p.zone_residence = 'qpv'
        ) as beneficiaires_qpv,
        count(p.parcours_id) filter (where year(p.date_entree) = a.annee) as entrees,
        count(p.parcours_id) filter (where year(p.date_sortie) = a.annee) as sorties,
        coalesce(list_sort(list_distinct(list('b:' || p.beneficiaire_id)
            filter (where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)))), [])
            as actifs__ids,
        coalesce(list_sort(list_distinct(list('b:' || p.beneficiaire_id) filter (
            where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
            and p.zone_residence = 'qpv'
        ))), []) as beneficiaires_qpv__ids,
        -- The complement of beneficiaires_qpv among actifs (zone_residence is never null).
        coalesce(list_sort(list_distinct(list('b:' || p.beneficiaire_id) filter (
            where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
            and p.zone_residence <> 'qpv'
        ))), []) as beneficiaires_hors_qpv__ids,
        coalesce(list_sort(list_distinct(list('p:' || p.parcours_id)
            filter (where year(p.date_entree) = a.annee))), []) as entrees__ids,
        coalesce(list_sort(list_distinct(list('p:' || p.parcours_id)
            filter (where year(p.date_sortie) = a.annee))), []) as sorties__ids,
        median(date_diff('day', p.date_entree, p.date_sortie))
            filter (where year(p.date_sortie) = a.annee) as duree_mediane_jours
    from annees as a
    left join parcours_retenus as p on true
    group by a.annee
)

select
    annee,
    actifs,
    entrees,
    sorties,
    beneficiaires_qpv,
    actifs - beneficiaires_qpv as beneficiaires_hors_qpv,
    round(100.0 * beneficiaires_qpv / nullif(actifs, 0), 1) as part_qpv,
    round(duree_mediane_jours / 30.4375, 1) as duree_mediane_mois,
    actifs__ids,
    entrees__ids,
    sorties__ids,
    beneficiaires_qpv__ids,
    beneficiaires_hors_qpv__ids
from par_annee
order by annee
