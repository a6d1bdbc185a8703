-- Programming, co-financing, execution and cost per child for every year the programme has data
-- grain: one row per year
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR
-- secret: counts=actifs,entrees,sorties; stock_flow=annee:actifs:entrees:sorties; rate=cout_par_beneficiaire:actifs
-- Years and children's rules are those of beneficiaires_par_annee, so that the number of children
-- (which budget ÷ cost per child gives back) is masked exactly as in that chart.
with annees as (
    select annee from equipe where pre_id = $pre_id
    union
    select annee from fiche_action where pre_id = $pre_id
),

lignes as (
    select
        f.annee,
        f.fiche_id,
        fi.financeur,
        fi.montant_prevu,
        fi.montant_accorde,
        fi.montant_verse
    from fiches_territoire($pre_id, $commune, $qpv) as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
),

argent as (
    select
        a.annee,
        count(distinct l.fiche_id) as fiches_action,
        coalesce(sum(l.montant_prevu), 0) as budget_programme,
        coalesce(sum(l.montant_prevu) filter (where l.financeur = 'etat'), 0) as montant_etat,
        sum(l.montant_accorde) as montant_accorde,
        sum(l.montant_verse) as montant_verse
    from annees as a
    left join lignes as l on l.annee = a.annee
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
)

select
    g.annee,
    g.fiches_action,
    cast(g.budget_programme as double) as budget_programme,
    cast(g.montant_etat as double) as montant_etat,
    cast(g.budget_programme - g.montant_etat as double) as montant_cofinancement,
    round(100.0 * (g.budget_programme - g.montant_etat) / nullif(g.budget_programme, 0), 1)
        as part_cofinancee,
    cast(g.montant_accorde as double) as montant_accorde,
    cast(g.montant_verse as double) as montant_verse,
    round(100.0 * g.montant_verse / nullif(g.montant_accorde, 0), 1) as taux_execution,
    e.actifs,
    e.entrees,
    e.sorties,
    -- Whole programme only (see budget_chiffres_cles).
    case
        when $commune is null and $qpv is null
            then round(g.budget_programme / nullif(e.actifs, 0))
    end as cout_par_beneficiaire,
    e.actifs__ids,
    e.entrees__ids,
    e.sorties__ids
from argent as g
inner join enfants as e on e.annee = g.annee
order by g.annee
