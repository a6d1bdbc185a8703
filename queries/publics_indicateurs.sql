-- Key figures on parcours (duration, actions, delay to the first EPS, transitions, child welfare), for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=actifs,parcours_actifs,sorties,parcours_premiere_eps,suivi_ase,transition_cp_ce1,transition_cm2_6e; rate=duree_moyenne_mois:sorties; rate=actions_par_parcours:parcours_actifs; rate=delai_orientation_eps:parcours_premiere_eps; rate=part_suivi_ase:suivi_ase,actifs
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

parcours_retenus as (
    select * from parcours_territoire($pre_id, $commune, $qpv)
),

-- Only the territory's parcours: grouping the whole (national) table would cost far more. A
-- join rather than IN (subquery): the protection runs this file for thousands of filters at once
-- (protection/groupees.py), where the IN form took ten times longer.
actions as (
    select
        r.parcours_id,
        count(*) as nb_actions
    from parcours_retenus as r
    inner join action_parcours as ap on ap.parcours_id = r.parcours_id
    group by r.parcours_id
),

par_annee as (
    select
        a.annee,
        count(distinct p.beneficiaire_id)
            filter (where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)) as actifs,
        count(p.parcours_id)
            filter (where actif_dans_annee(p.date_entree, p.date_sortie, a.annee))
            as parcours_actifs,
        coalesce(sum(ac.nb_actions)
            filter (where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)), 0)
            as actions_actives,
        count(p.parcours_id) filter (where year(p.date_sortie) = a.annee) as sorties,
        avg(date_diff('day', p.date_entree, p.date_sortie))
            filter (where year(p.date_sortie) = a.annee) as duree_moyenne_jours,
        count(p.parcours_id) filter (
            where year(p.date_premiere_eps) = a.annee and p.date_orientation is not null
        ) as parcours_premiere_eps,
        median(date_diff('day', p.date_orientation, p.date_premiere_eps))
            filter (where year(p.date_premiere_eps) = a.annee) as delai_orientation_eps,
        count(distinct p.beneficiaire_id) filter (
            where actif_dans_annee(p.date_entree, p.date_sortie, a.annee) and p.suivi_ase
        ) as suivi_ase,
        count(distinct p.beneficiaire_id) filter (
            where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
            and p.niveau_scolaire in ('CP', 'CE1')
        ) as transition_cp_ce1,
        count(distinct p.beneficiaire_id) filter (
            where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
            and p.niveau_scolaire in ('CM2', '6e')
        ) as transition_cm2_6e,
        coalesce(list_sort(list_distinct(list('b:' || p.beneficiaire_id)
            filter (where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)))), [])
            as actifs__ids,
        coalesce(list_sort(list_distinct(list('p:' || p.parcours_id)
            filter (where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)))), [])
            as parcours_actifs__ids,
        coalesce(list_sort(list_distinct(list('p:' || p.parcours_id)
            filter (where year(p.date_sortie) = a.annee))), []) as sorties__ids,
        coalesce(list_sort(list_distinct(list('p:' || p.parcours_id) filter (
            where year(p.date_premiere_eps) = a.annee and p.date_orientation is not null
        ))), []) as parcours_premiere_eps__ids,
        coalesce(list_sort(list_distinct(list('b:' || p.beneficiaire_id) filter (
            where actif_dans_annee(p.date_entree, p.date_sortie, a.annee) and p.suivi_ase
        ))), []) as suivi_ase__ids,
        coalesce(list_sort(list_distinct(list('b:' || p.beneficiaire_id) filter (
            where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
            and p.niveau_scolaire in ('CP', 'CE1')
        ))), []) as transition_cp_ce1__ids,
        coalesce(list_sort(list_distinct(list('b:' || p.beneficiaire_id) filter (
            where actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
            and p.niveau_scolaire in ('CM2', '6e')
        ))), []) as transition_cm2_6e__ids
    from annees as a
    left join parcours_retenus as p on true
    left join actions as ac on ac.parcours_id = p.parcours_id
    group by a.annee
)

select
    annee,
    actifs,
    parcours_actifs,
    sorties,
    round(duree_moyenne_jours / 30.4375, 1) as duree_moyenne_mois,
    round(actions_actives / nullif(parcours_actifs, 0), 1) as actions_par_parcours,
    parcours_premiere_eps,
    round(delai_orientation_eps, 1) as delai_orientation_eps,
    suivi_ase,
    round(100.0 * suivi_ase / nullif(actifs, 0), 1) as part_suivi_ase,
    transition_cp_ce1,
    transition_cm2_6e,
    actifs__ids,
    parcours_actifs__ids,
    sorties__ids,
    parcours_premiere_eps__ids,
    suivi_ase__ids,
    transition_cp_ce1__ids,
    transition_cm2_6e__ids
from par_annee
order by annee
