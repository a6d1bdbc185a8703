-- Programming of the year by thematic, change from the year before, children linked to its actions and cost per child
-- grain: one row per thematic with a planned amount in the year or the year before
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=beneficiaires; rate=cout_par_beneficiaire:beneficiaires
-- A child can use actions of several thematics: rows do not add up (no partition).
with fiches as (
    select
        f.fiche_id,
        f.annee,
        f.thematique
    from fiches_territoire($pre_id, $commune, $qpv) as f
    where f.annee in ($annee - 1, $annee)
),

montants as (
    select
        f.thematique,
        coalesce(sum(fi.montant_prevu) filter (where f.annee = $annee), 0) as montant_prevu,
        coalesce(sum(fi.montant_prevu) filter (where f.annee = $annee - 1), 0)
            as montant_prevu_precedent
    from fiches as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    group by f.thematique
    having sum(fi.montant_prevu) > 0
),

enfants as (
    select
        f.thematique,
        count(distinct p.beneficiaire_id) as beneficiaires,
        list_sort(list_distinct(list('b:' || p.beneficiaire_id))) as beneficiaires__ids
    from fiches as f
    inner join action_parcours as a on a.fiche_id = f.fiche_id
    inner join parcours as p on p.parcours_id = a.parcours_id
    where f.annee = $annee
    group by f.thematique
)

select
    m.thematique,
    n.libelle,
    cast(m.montant_prevu as double) as montant_prevu,
    round(100.0 * m.montant_prevu / nullif(sum(m.montant_prevu) over (), 0), 1) as part,
    cast(m.montant_prevu_precedent as double) as montant_prevu_precedent,
    round(100.0 * (m.montant_prevu - m.montant_prevu_precedent)
        / nullif(m.montant_prevu_precedent, 0), 1) as evolution,
    coalesce(e.beneficiaires, 0) as beneficiaires,
    round(m.montant_prevu / nullif(e.beneficiaires, 0)) as cout_par_beneficiaire,
    coalesce(e.beneficiaires__ids, []) as beneficiaires__ids
from montants as m
inner join nomenclature as n on n.domaine = 'thematique' and n.code = m.thematique
left join enfants as e on e.thematique = m.thematique
order by n.ordre
