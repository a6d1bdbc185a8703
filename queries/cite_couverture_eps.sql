-- Cité éducative articulation 2: QPV of the Cité covered by an EPS of the programme that met in the year, for the selected year and the year before
-- grain: one row per Cité éducative of the programme's communes and year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: none
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

cites as (
    select cite_id from cites_du_programme($pre_id)
),

-- QPV where an EPS of the programme held at least one meeting, by year.
qpv_actifs as (
    select distinct
        year(r.date_reunion) as annee,
        e.code_qp
    from eps as e
    inner join eps_reunion as r on r.eps_id = e.eps_id
    where e.pre_id = $pre_id and e.code_qp is not null
),

comptes as (
    select
        c.cite_id,
        a.annee,
        count(distinct cq.code_qp) as qpv_cite,
        count(distinct v.code_qp) as qpv_couverts
    from cites as c
    cross join annees as a
    left join cite_educative_qpv as cq on cq.cite_id = c.cite_id
    left join qpv_actifs as v on v.code_qp = cq.code_qp and v.annee = a.annee
    group by c.cite_id, a.annee
)

select
    k.cite_id,
    ce.nom,
    k.annee,
    k.qpv_cite,
    k.qpv_couverts,
    round(100.0 * k.qpv_couverts / nullif(k.qpv_cite, 0), 1) as part_qpv_couverts
from comptes as k
inner join cite_educative as ce on ce.cite_id = k.cite_id
order by ce.nom, k.annee
