-- Active children of the year by age band, beside the national distribution
-- grain: one row per age band (all four, even when empty)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=beneficiaires; partition=*; share=part:beneficiaires
with actifs as (
    select distinct
        p.beneficiaire_id,
        tranche_age($annee - p.annee_naissance) as tranche_age
    from parcours_territoire($pre_id, $commune, $qpv) as p
    where actif_dans_annee(p.date_entree, p.date_sortie, $annee)
),

tranches as (
    select code as tranche_age, libelle, ordre
    from nomenclature
    where domaine = 'tranche_age'
),

national as (
    select modalite as tranche_age, part_nationale from reference_courante('tranche_age')
),

comptes as (
    select
        t.tranche_age,
        t.libelle,
        t.ordre,
        count(a.beneficiaire_id) as beneficiaires,
        coalesce(list_sort(list_distinct(list('b:' || a.beneficiaire_id)
            filter (where a.beneficiaire_id is not null))), []) as beneficiaires__ids
    from tranches as t
    left join actifs as a on a.tranche_age = t.tranche_age
    group by t.tranche_age, t.libelle, t.ordre
)

select
    c.tranche_age,
    c.libelle,
    c.beneficiaires,
    round(100.0 * c.beneficiaires / nullif(sum(c.beneficiaires) over (), 0), 1) as part,
    n.part_nationale,
    c.beneficiaires__ids
from comptes as c
left join national as n on n.tranche_age = c.tranche_age
order by c.ordre
