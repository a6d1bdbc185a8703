-- The PRE inside and outside each Cité éducative: key figures of the year for the children of the Cité's perimeter (living in one of its QPV or schooled in one of its schools), for the other children of the programme, and for the whole programme
-- grain: one row per Cité éducative of the programme's communes
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: counts=enfants_cite,enfants_hors_cite,enfants_programme,orientes_ecole_cite,orientes_ecole_hors_cite,orientes_ecole_programme,orientes_autres_cite,orientes_autres_hors_cite,orientes_autres_programme,sorties_cite,sorties_hors_cite,sorties_programme; sum=enfants_programme:enfants_cite+enfants_hors_cite; sum=orientes_ecole_programme:orientes_ecole_cite+orientes_ecole_hors_cite; sum=orientes_autres_programme:orientes_autres_cite+orientes_autres_hors_cite; sum=sorties_programme:sorties_cite+sorties_hors_cite; sum=enfants_cite:orientes_ecole_cite+orientes_autres_cite; sum=enfants_hors_cite:orientes_ecole_hors_cite+orientes_autres_hors_cite; sum=enfants_programme:orientes_ecole_programme+orientes_autres_programme; rate=part_ecole_cite:orientes_ecole_cite,orientes_autres_cite; rate=part_ecole_hors_cite:orientes_ecole_hors_cite,orientes_autres_hors_cite; rate=part_ecole_programme:orientes_ecole_programme,orientes_autres_programme; rate=duree_moyenne_mois_cite:sorties_cite; rate=duree_moyenne_mois_hors_cite:sorties_hors_cite; rate=duree_moyenne_mois_programme:sorties_programme; rate=actions_par_enfant_cite:enfants_cite; rate=actions_par_enfant_hors_cite:enfants_hors_cite; rate=actions_par_enfant_programme:enfants_programme
with cites as (
    select cite_id from cites_du_programme($pre_id)
),

actifs as (
    select
        p.parcours_id,
        p.beneficiaire_id,
        p.uai,
        p.code_qp,
        p.orienteur = 'ecole' as oriente_ecole,
        year(p.date_sortie) = $annee as sorti,
        date_diff('day', p.date_entree, p.date_sortie) as duree_jours
    from parcours_territoire($pre_id, null, null) as p
    where actif_dans_annee(p.date_entree, p.date_sortie, $annee)
),

-- A join rather than IN (subquery): the protection runs this file for thousands of filters at
-- once (protection/groupees.py), where the IN form cost more.
actions as (
    select
        x.parcours_id,
        count(*) as nb_actions
    from actifs as x
    inner join action_parcours as a on a.parcours_id = x.parcours_id
    group by x.parcours_id
),

-- Each active parcours of the programme, for each Cité: is its child in the Cité's perimeter?
situations as (
    select
        c.cite_id,
        x.parcours_id,
        x.beneficiaire_id,
        coalesce(x.oriente_ecole, false) as oriente_ecole,
        coalesce(x.sorti, false) as sorti,
        x.duree_jours,
        coalesce(a.nb_actions, 0) as nb_actions,
        coalesce(
            x.code_qp in (select q.code_qp from cite_educative_qpv as q where q.cite_id = c.cite_id)
            or x.uai in (
                select e.uai from cite_educative_etablissement as e where e.cite_id = c.cite_id
            ),
            false
        ) as dans_cite
    from cites as c
    left join actifs as x on true
    left join actions as a on a.parcours_id = x.parcours_id
),

-- A child counts as oriented by the school when one of its active parcours was.
enfants as (
    select
        cite_id,
        beneficiaire_id,
        bool_or(dans_cite) as dans_cite,
        bool_or(oriente_ecole) as oriente_ecole,
        sum(nb_actions) as nb_actions
    from situations
    where beneficiaire_id is not null
    group by cite_id, beneficiaire_id
),

par_enfant as (
    select
        c.cite_id,
        count(e.beneficiaire_id) filter (where e.dans_cite) as enfants_cite,
        count(e.beneficiaire_id) filter (where not e.dans_cite) as enfants_hors_cite,
        count(e.beneficiaire_id) as enfants_programme,
        count(e.beneficiaire_id) filter (where e.dans_cite and e.oriente_ecole)
            as orientes_ecole_cite,
        count(e.beneficiaire_id) filter (where not e.dans_cite and e.oriente_ecole)
            as orientes_ecole_hors_cite,
        count(e.beneficiaire_id) filter (where e.oriente_ecole) as orientes_ecole_programme,
        coalesce(sum(e.nb_actions) filter (where e.dans_cite), 0) as actions_cite,
        coalesce(sum(e.nb_actions) filter (where not e.dans_cite), 0) as actions_hors_cite,
        coalesce(sum(e.nb_actions), 0) as actions_programme,
        coalesce(list_sort(list_distinct(list('b:' || e.beneficiaire_id)
            filter (where e.dans_cite))), []) as enfants_cite__ids,
        coalesce(list_sort(list_distinct(list('b:' || e.beneficiaire_id)
            filter (where not e.dans_cite))), []) as enfants_hors_cite__ids,
        coalesce(list_sort(list_distinct(list('b:' || e.beneficiaire_id)
            filter (where e.beneficiaire_id is not null))), []) as enfants_programme__ids,
        coalesce(list_sort(list_distinct(list('b:' || e.beneficiaire_id)
            filter (where e.dans_cite and e.oriente_ecole))), []) as orientes_ecole_cite__ids,
        coalesce(list_sort(list_distinct(list('b:' || e.beneficiaire_id)
            filter (where not e.dans_cite and e.oriente_ecole))), [])
            as orientes_ecole_hors_cite__ids,
        coalesce(list_sort(list_distinct(list('b:' || e.beneficiaire_id)
            filter (where e.oriente_ecole))), []) as orientes_ecole_programme__ids,
        -- The differences enfants_* - orientes_ecole_* (oriente_ecole is never null).
        coalesce(list_sort(list_distinct(list('b:' || e.beneficiaire_id)
            filter (where e.dans_cite and not e.oriente_ecole))), []) as orientes_autres_cite__ids,
        coalesce(list_sort(list_distinct(list('b:' || e.beneficiaire_id)
            filter (where not e.dans_cite and not e.oriente_ecole))), [])
            as orientes_autres_hors_cite__ids,
        coalesce(list_sort(list_distinct(list('b:' || e.beneficiaire_id)
            filter (where not e.oriente_ecole))), []) as orientes_autres_programme__ids
    from cites as c
    left join enfants as e on e.cite_id = c.cite_id
    group by c.cite_id
),

par_parcours as (
    select
        cite_id,
        count(parcours_id) filter (where sorti and dans_cite) as sorties_cite,
        count(parcours_id) filter (where sorti and not dans_cite) as sorties_hors_cite,
        count(parcours_id) filter (where sorti) as sorties_programme,
        avg(duree_jours) filter (where sorti and dans_cite) as duree_cite,
        avg(duree_jours) filter (where sorti and not dans_cite) as duree_hors_cite,
        avg(duree_jours) filter (where sorti) as duree_programme,
        coalesce(list_sort(list_distinct(list('p:' || parcours_id)
            filter (where sorti and dans_cite))), []) as sorties_cite__ids,
        coalesce(list_sort(list_distinct(list('p:' || parcours_id)
            filter (where sorti and not dans_cite))), []) as sorties_hors_cite__ids,
        coalesce(list_sort(list_distinct(list('p:' || parcours_id)
            filter (where sorti))), []) as sorties_programme__ids
    from situations
    group by cite_id
)

select
    n.cite_id,
    ce.nom,
    $annee as annee,
    n.enfants_cite,
    n.enfants_hors_cite,
    n.enfants_programme,
    n.orientes_ecole_cite,
    n.orientes_ecole_hors_cite,
    n.orientes_ecole_programme,
    n.enfants_cite - n.orientes_ecole_cite as orientes_autres_cite,
    n.enfants_hors_cite - n.orientes_ecole_hors_cite as orientes_autres_hors_cite,
    n.enfants_programme - n.orientes_ecole_programme as orientes_autres_programme,
    p.sorties_cite,
    p.sorties_hors_cite,
    p.sorties_programme,
    round(100.0 * n.orientes_ecole_cite / nullif(n.enfants_cite, 0), 1) as part_ecole_cite,
    round(100.0 * n.orientes_ecole_hors_cite / nullif(n.enfants_hors_cite, 0), 1)
        as part_ecole_hors_cite,
    round(100.0 * n.orientes_ecole_programme / nullif(n.enfants_programme, 0), 1)
        as part_ecole_programme,
    round(p.duree_cite / 30.4375, 1) as duree_moyenne_mois_cite,
    round(p.duree_hors_cite / 30.4375, 1) as duree_moyenne_mois_hors_cite,
    round(p.duree_programme / 30.4375, 1) as duree_moyenne_mois_programme,
    round(n.actions_cite / nullif(n.enfants_cite, 0), 1) as actions_par_enfant_cite,
    round(n.actions_hors_cite / nullif(n.enfants_hors_cite, 0), 1) as actions_par_enfant_hors_cite,
    round(n.actions_programme / nullif(n.enfants_programme, 0), 1) as actions_par_enfant_programme,
    n.enfants_cite__ids,
    n.enfants_hors_cite__ids,
    n.enfants_programme__ids,
    n.orientes_ecole_cite__ids,
    n.orientes_ecole_hors_cite__ids,
    n.orientes_ecole_programme__ids,
    n.orientes_autres_cite__ids,
    n.orientes_autres_hors_cite__ids,
    n.orientes_autres_programme__ids,
    p.sorties_cite__ids,
    p.sorties_hors_cite__ids,
    p.sorties_programme__ids
from par_enfant as n
inner join par_parcours as p on p.cite_id = n.cite_id
inner join cite_educative as ce on ce.cite_id = n.cite_id
order by ce.nom
