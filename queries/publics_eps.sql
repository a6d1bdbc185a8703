-- Meetings of the équipes pluridisciplinaires de soutien (EPS) of the territory, for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: counts=situations_examinees
-- lineage: situations_examinees=none (sum of the number of situations typed for each EPS meeting, not a count of records)
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

-- EPS of the programme, or those of the selected commune or QPV.
reunions as (
    select
        year(r.date_reunion) as annee,
        r.eps_id,
        r.nb_professionnels,
        r.nb_situations
    from eps as e
    inner join eps_reunion as r on r.eps_id = e.eps_id
    where e.pre_id = $pre_id
        and ($commune is null or e.code_insee = $commune)
        and ($qpv is null or e.code_qp = $qpv)
)

select
    a.annee,
    count(distinct r.eps_id) as eps_reunies,
    count(r.eps_id) as reunions_eps,
    round(avg(r.nb_professionnels), 1) as professionnels_par_reunion,
    cast(coalesce(sum(r.nb_situations), 0) as bigint) as situations_examinees,
    cast(null as varchar[]) as situations_examinees__ids
from annees as a
left join reunions as r on r.annee = a.annee
group by a.annee
order by a.annee
