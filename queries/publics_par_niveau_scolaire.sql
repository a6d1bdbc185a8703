-- Active children by school level (cycle), for the selected year and the year before, beside the national split
-- grain: one row per year ($annee - 1 and $annee) and cycle (all six, even when empty)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=effectif; partition=annee; share=part:effectif
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

-- The school level is the one recorded for the child (latest import), grouped in cycles.
actifs as (
    select distinct
        a.annee,
        p.beneficiaire_id,
        case
            when p.niveau_scolaire in ('CP', 'CE1', 'CE2', 'CM1', 'CM2') then 'elementaire'
            when p.niveau_scolaire in ('6e', '5e', '4e', '3e') then 'college'
            when p.niveau_scolaire in ('non_scolarise', 'maternelle', 'lycee')
                then p.niveau_scolaire
            else 'non_renseigne'
        end as cycle
    from annees as a
    inner join parcours_territoire($pre_id, $commune, $qpv) as p
        on actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
),

modalites as (
    select *
    from (
        values
            ('non_scolarise', 'Non scolarisé', 1, null),
            ('maternelle', 'Maternelle', 2, 'maternelle'),
            ('elementaire', 'Élémentaire', 3, 'élémentaire'),
            ('college', 'Collège', 4, 'collège'),
            ('lycee', 'Lycée', 5, 'lycée'),
            ('non_renseigne', 'Non renseigné', 6, null)
    ) as t (modalite, libelle, ordre, modalite_nationale)
),

comptes as (
    select
        a.annee,
        m.modalite,
        m.libelle,
        m.ordre,
        m.modalite_nationale,
        count(x.beneficiaire_id) as effectif,
        coalesce(list_sort(list_distinct(list('b:' || x.beneficiaire_id)
            filter (where x.beneficiaire_id is not null))), []) as effectif__ids
    from annees as a
    cross join modalites as m
    left join actifs as x on x.annee = a.annee and x.cycle = m.modalite
    group by a.annee, m.modalite, m.libelle, m.ordre, m.modalite_nationale
)

select
    c.annee,
    c.modalite,
    c.libelle,
    c.effectif,
    round(100.0 * c.effectif / nullif(sum(c.effectif) over (partition by c.annee), 0), 1) as part,
    n.part_nationale,
    n.annee_nationale,
    n.source_nationale,
    c.effectif__ids
from comptes as c
left join reference_courante('niveau_scolaire') as n on n.modalite = c.modalite_nationale
-- "Not recorded" only when some children lack the value.
qualify c.modalite <> 'non_renseigne' or sum(c.effectif) over (partition by c.modalite) > 0
order by c.annee, c.ordre
