-- Key figures of the programming (money, execution, dependence, cost per child), for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=actifs,entrees,sorties,beneficiaires_qpv,beneficiaires_hors_qpv; sum=actifs:beneficiaires_qpv+beneficiaires_hors_qpv; stock_flow=annee:actifs:entrees:sorties; rate=cout_par_beneficiaire:actifs
-- The children's counts and their rules are those of synthese_publics, so that the number of
-- children (which budget ÷ cost per child gives back) is masked exactly as on the Synthèse page.
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

fiches as (
    select
        f.annee,
        f.fiche_id,
        sum(fi.montant_prevu) as montant_prevu,
        sum(fi.montant_accorde) as montant_accorde,
        sum(fi.montant_verse) as montant_verse,
        sum(fi.montant_prevu) filter (where fi.financeur = 'etat') as montant_etat,
        max(fi.montant_prevu) as montant_premier_financeur
    from fiches_territoire($pre_id, $commune, $qpv) as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    where f.annee in (select annee from annees)
    group by f.annee, f.fiche_id
),

argent as (
    select
        a.annee,
        count(f.fiche_id) as fiches_action,
        coalesce(sum(f.montant_prevu), 0) as budget_programme,
        coalesce(sum(f.montant_etat), 0) as montant_etat,
        sum(f.montant_accorde) as montant_accorde,
        sum(f.montant_verse) as montant_verse,
        count(f.fiche_id) filter (
            where f.montant_prevu > 0 and f.montant_premier_financeur >= 0.8 * f.montant_prevu
        ) as fiches_financeur_unique
    from annees as a
    left join fiches as f on f.annee = a.annee
    group by a.annee
),

parcours_retenus as (
    select * from parcours_territoire($pre_id, $commune, $qpv)
),

enfants as (
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
            filter (where year(p.date_sortie) = a.annee))), []) as sorties__ids
    from annees as a
    left join parcours_retenus as p on true
    group by a.annee
)

select
    g.annee,
    g.fiches_action,
    cast(g.budget_programme as double) as budget_programme,
    round(100.0 * (g.budget_programme - g.montant_etat) / nullif(g.budget_programme, 0), 1)
        as part_cofinancee,
    cast(g.montant_accorde as double) as montant_accorde,
    cast(g.montant_verse as double) as montant_verse,
    round(100.0 * g.montant_verse / nullif(g.montant_accorde, 0), 1) as taux_execution,
    g.fiches_financeur_unique,
    e.actifs,
    e.entrees,
    e.sorties,
    e.beneficiaires_qpv,
    e.actifs - e.beneficiaires_qpv as beneficiaires_hors_qpv,
    -- Only for the whole programme: intercommunal fiches are not split between communes, so a
    -- commune's communal budget over its children would understate the cost.
    case
        when $commune is null and $qpv is null
            then round(g.budget_programme / nullif(e.actifs, 0))
    end as cout_par_beneficiaire,
    e.actifs__ids,
    e.entrees__ids,
    e.sorties__ids,
    e.beneficiaires_qpv__ids,
    e.beneficiaires_hors_qpv__ids
from argent as g
inner join enfants as e on e.annee = g.annee
order by g.annee
