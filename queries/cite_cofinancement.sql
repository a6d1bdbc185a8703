-- Cité éducative articulation 3: fiches-action co-financed by the Cité éducative (communal in one of its communes, or intercommunal), their amounts and share of the programming, for the selected year and the year before
-- grain: one row per Cité éducative of the programme's communes and year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: none
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

cites as (
    select cite_id from cites_du_programme($pre_id)
),

fiches as (
    select
        fa.fiche_id,
        fa.annee,
        fa.niveau,
        fa.code_insee,
        sum(f.montant_prevu) as montant_fiche,
        coalesce(sum(f.montant_prevu) filter (where f.financeur = 'cite_educative'), 0)
            as montant_cite
    from fiche_action as fa
    inner join financement as f on f.fiche_id = fa.fiche_id
    where fa.pre_id = $pre_id
    group by fa.fiche_id, fa.annee, fa.niveau, fa.code_insee
),

programmation as (
    select
        a.annee,
        coalesce(sum(f.montant_fiche), 0) as budget_programme
    from annees as a
    left join fiches as f on f.annee = a.annee
    group by a.annee
),

cofinancees as (
    select
        c.cite_id,
        a.annee,
        count(f.fiche_id) as fiches_cofinancees,
        coalesce(sum(f.montant_cite), 0) as montant_cite,
        coalesce(sum(f.montant_fiche), 0) as montant_fiches_cofinancees
    from cites as c
    cross join annees as a
    left join fiches as f
        on f.annee = a.annee
        and f.montant_cite > 0
        and (
            f.niveau = 'intercommunal'
            or f.code_insee in (
                select cc.code_insee from cite_educative_commune as cc
                where cc.cite_id = c.cite_id
            )
        )
    group by c.cite_id, a.annee
)

select
    k.cite_id,
    ce.nom,
    k.annee,
    k.fiches_cofinancees,
    cast(k.montant_cite as double) as montant_cite,
    cast(k.montant_fiches_cofinancees as double) as montant_fiches_cofinancees,
    cast(p.budget_programme as double) as budget_programme,
    round(100.0 * k.montant_fiches_cofinancees / nullif(p.budget_programme, 0), 1)
        as part_programmation_cite
from cofinancees as k
inner join programmation as p on p.annee = k.annee
inner join cite_educative as ce on ce.cite_id = k.cite_id
order by ce.nom, k.annee
