-- Cité éducative articulation 1: active children of the programme schooled in a school of the Cité, and living in one of its QPV, for the selected year and the year before
-- grain: one row per Cité éducative of the programme's communes and year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: counts=beneficiaires,scolarises_cite,non_scolarises_cite,residant_qpv_cite,non_residant_qpv_cite; sum=beneficiaires:scolarises_cite+non_scolarises_cite; sum=beneficiaires:residant_qpv_cite+non_residant_qpv_cite; rate=part_scolarises_cite:scolarises_cite,non_scolarises_cite; rate=part_residant_qpv_cite:residant_qpv_cite,non_residant_qpv_cite
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

cites as (
    select cite_id from cites_du_programme($pre_id)
),

actifs as (
    select distinct
        a.annee,
        p.beneficiaire_id,
        p.uai,
        p.code_qp
    from annees as a
    inner join parcours_territoire($pre_id, null, null) as p
        on actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
),

comptes as (
    select
        c.cite_id,
        a.annee,
        count(distinct x.beneficiaire_id) as beneficiaires,
        count(distinct x.beneficiaire_id) filter (
            where x.uai in (
                select e.uai from cite_educative_etablissement as e where e.cite_id = c.cite_id
            )
        ) as scolarises_cite,
        count(distinct x.beneficiaire_id) filter (
            where x.code_qp in (
                select q.code_qp from cite_educative_qpv as q where q.cite_id = c.cite_id
            )
        ) as residant_qpv_cite,
        coalesce(list_sort(list_distinct(list('b:' || x.beneficiaire_id)
            filter (where x.beneficiaire_id is not null))), []) as beneficiaires__ids,
        coalesce(list_sort(list_distinct(list('b:' || x.beneficiaire_id) filter (
            where x.uai in (
                select e.uai from cite_educative_etablissement as e where e.cite_id = c.cite_id
            )
        ))), []) as scolarises_cite__ids,
        -- The differences beneficiaires - scolarises_cite and beneficiaires - residant_qpv_cite:
        -- a child without a school (or a QPV) is outside.
        coalesce(list_sort(list_distinct(list('b:' || x.beneficiaire_id) filter (
            where x.beneficiaire_id is not null and not coalesce(x.uai in (
                select e.uai from cite_educative_etablissement as e where e.cite_id = c.cite_id
            ), false)
        ))), []) as non_scolarises_cite__ids,
        coalesce(list_sort(list_distinct(list('b:' || x.beneficiaire_id) filter (
            where x.code_qp in (
                select q.code_qp from cite_educative_qpv as q where q.cite_id = c.cite_id
            )
        ))), []) as residant_qpv_cite__ids,
        coalesce(list_sort(list_distinct(list('b:' || x.beneficiaire_id) filter (
            where x.beneficiaire_id is not null and not coalesce(x.code_qp in (
                select q.code_qp from cite_educative_qpv as q where q.cite_id = c.cite_id
            ), false)
        ))), []) as non_residant_qpv_cite__ids
    from cites as c
    cross join annees as a
    left join actifs as x on x.annee = a.annee
    group by c.cite_id, a.annee
)

select
    k.cite_id,
    ce.nom,
    k.annee,
    k.beneficiaires,
    k.scolarises_cite,
    -- The complements are masked too: a share and the total would otherwise give them away.
    k.beneficiaires - k.scolarises_cite as non_scolarises_cite,
    round(100.0 * k.scolarises_cite / nullif(k.beneficiaires, 0), 1) as part_scolarises_cite,
    k.residant_qpv_cite,
    k.beneficiaires - k.residant_qpv_cite as non_residant_qpv_cite,
    round(100.0 * k.residant_qpv_cite / nullif(k.beneficiaires, 0), 1) as part_residant_qpv_cite,
    k.beneficiaires__ids,
    k.scolarises_cite__ids,
    k.non_scolarises_cite__ids,
    k.residant_qpv_cite__ids,
    k.non_residant_qpv_cite__ids
from comptes as k
inner join cite_educative as ce on ce.cite_id = k.cite_id
order by ce.nom, k.annee
