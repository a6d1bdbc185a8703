-- Execution of each fiche-action of the year: money planned, granted and paid, main funder, planned and actual beneficiaries
-- grain: one row per fiche-action of the year, largest budget first
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=beneficiaires_realises
-- lineage: beneficiaires_realises=none (number of actual beneficiaries typed on the fiche-action, not a count of records)
-- A child can benefit from several fiches: rows do not add up (no partition).
with fiches as (
    select *
    from fiches_territoire($pre_id, $commune, $qpv)
    where annee = $annee
),

lignes as (
    select
        fi.fiche_id,
        fi.montant_prevu,
        fi.montant_accorde,
        fi.montant_verse,
        n.libelle,
        row_number() over (partition by fi.fiche_id order by fi.montant_prevu desc, n.ordre)
            as rang
    from financement as fi
    inner join fiches as f on f.fiche_id = fi.fiche_id
    inner join nomenclature as n on n.domaine = 'financeur' and n.code = fi.financeur
),

par_fiche as (
    select
        fiche_id,
        sum(montant_prevu) as montant_prevu,
        sum(montant_accorde) as montant_accorde,
        sum(montant_verse) as montant_verse,
        any_value(libelle) filter (where rang = 1) as financeur_principal,
        max(montant_prevu) as montant_financeur_principal
    from lignes
    group by fiche_id
),

calcul as (
    select
        f.numero,
        f.intitule,
        nt.libelle as thematique,
        p.montant_prevu,
        p.montant_accorde,
        p.montant_verse,
        p.financeur_principal,
        round(100.0 * p.montant_financeur_principal / nullif(p.montant_prevu, 0), 1)
            as part_financeur_principal,
        coalesce(p.montant_financeur_principal >= 0.8 * p.montant_prevu and p.montant_prevu > 0,
            false) as financeur_unique,
        f.beneficiaires_prevus,
        f.beneficiaires_realises
    from fiches as f
    inner join nomenclature as nt on nt.domaine = 'thematique' and nt.code = f.thematique
    left join par_fiche as p on p.fiche_id = f.fiche_id
)

select
    numero as fiche,
    intitule,
    thematique,
    cast(montant_prevu as double) as montant_prevu,
    cast(montant_accorde as double) as montant_accorde,
    cast(montant_verse as double) as montant_verse,
    round(100.0 * montant_verse / nullif(montant_accorde, 0), 1) as taux_execution,
    financeur_principal,
    part_financeur_principal,
    financeur_unique,
    case when financeur_unique then 'Oui' else 'Non' end as dependance,
    beneficiaires_prevus,
    beneficiaires_realises,
    cast(null as varchar[]) as beneficiaires_realises__ids
from calcul
order by montant_prevu desc nulls last, intitule
