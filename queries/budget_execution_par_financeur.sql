-- Programming of the year by funder: planned, granted and paid amounts, execution rate, change from the year before
-- grain: one row per funder with a planned amount in the year or the year before
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: none
with lignes as (
    select
        f.annee,
        fi.financeur,
        fi.montant_prevu,
        fi.montant_accorde,
        fi.montant_verse
    from fiches_territoire($pre_id, $commune, $qpv) as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    where f.annee in ($annee - 1, $annee)
),

par_financeur as (
    select
        financeur,
        coalesce(sum(montant_prevu) filter (where annee = $annee), 0) as montant_prevu,
        sum(montant_accorde) filter (where annee = $annee) as montant_accorde,
        sum(montant_verse) filter (where annee = $annee) as montant_verse,
        coalesce(sum(montant_prevu) filter (where annee = $annee - 1), 0)
            as montant_prevu_precedent
    from lignes
    group by financeur
    having sum(montant_prevu) > 0
)

select
    p.financeur,
    n.libelle,
    cast(p.montant_prevu as double) as montant_prevu,
    round(100.0 * p.montant_prevu / nullif(sum(p.montant_prevu) over (), 0), 1) as part,
    cast(p.montant_accorde as double) as montant_accorde,
    cast(p.montant_verse as double) as montant_verse,
    round(100.0 * p.montant_verse / nullif(p.montant_accorde, 0), 1) as taux_execution,
    cast(p.montant_prevu_precedent as double) as montant_prevu_precedent,
    round(100.0 * (p.montant_prevu - p.montant_prevu_precedent)
        / nullif(p.montant_prevu_precedent, 0), 1) as evolution
from par_financeur as p
inner join nomenclature as n on n.domaine = 'financeur' and n.code = p.financeur
order by n.ordre
