-- Active children by place of residence (each QPV, quartier de veille active, outside), for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee) and place (every QPV of the territory, QVA, outside; even when empty)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=effectif; partition=annee; share=part:effectif
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

actifs as (
    select distinct
        a.annee,
        p.beneficiaire_id,
        case when p.zone_residence = 'qpv' then p.code_qp else p.zone_residence end as lieu
    from annees as a
    inner join parcours_territoire($pre_id, $commune, $qpv) as p
        on actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
),

-- Every QPV of the territory, plus any QPV where a child of the territory lives.
qpv_territoire as (
    select qc.code_qp
    from programme_commune as pc
    inner join qpv_commune as qc on qc.code_insee = pc.code_insee
    where pc.pre_id = $pre_id
        and ($commune is null or qc.code_insee = $commune)
        and ($qpv is null or qc.code_qp = $qpv)
    union
    select lieu from actifs where lieu not in ('qva', 'hors')
),

modalites as (
    select
        t.code_qp as modalite,
        coalesce(q.nom, t.code_qp) as libelle,
        1 as groupe
    from qpv_territoire as t
    left join qpv as q on q.code_qp = t.code_qp
    union all
    select code, libelle, 1 + ordre
    from nomenclature
    where domaine = 'zone_residence' and code in ('qva', 'hors')
        -- A selected QPV leaves no child elsewhere.
        and $qpv is null
),

comptes as (
    select
        a.annee,
        m.modalite,
        m.libelle,
        m.groupe,
        count(x.beneficiaire_id) as effectif,
        coalesce(list_sort(list_distinct(list('b:' || x.beneficiaire_id)
            filter (where x.beneficiaire_id is not null))), []) as effectif__ids
    from annees as a
    cross join modalites as m
    left join actifs as x on x.annee = a.annee and x.lieu = m.modalite
    group by a.annee, m.modalite, m.libelle, m.groupe
)

select
    annee,
    modalite,
    libelle,
    effectif,
    round(100.0 * effectif / nullif(sum(effectif) over (partition by annee), 0), 1) as part,
    cast(null as double) as part_nationale,
    cast(null as integer) as annee_nationale,
    cast(null as varchar) as source_nationale,
    effectif__ids
from comptes
order by annee, groupe, libelle
