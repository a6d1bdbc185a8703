-- Cité éducative articulation 4: joint steering meetings of the Cité and the programme, and the programme's presence at the Cité's COPIL, for the selected year and the year before
-- grain: one row per Cité éducative of the programme's communes and year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: none
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

cites as (
    select cite_id from cites_du_programme($pre_id)
),

reunions as (
    select
        r.reunion_id,
        r.cite_id,
        r.instance,
        year(r.date_reunion) as annee,
        gp.pre_id is not null as pre_present
    from gouvernance_reunion as r
    left join gouvernance_participation as gp
        on gp.reunion_id = r.reunion_id and gp.pre_id = $pre_id
    where r.cite_id is not null
),

comptes as (
    select
        c.cite_id,
        a.annee,
        count(r.reunion_id) filter (where r.instance = 'copil_conjoint') as reunions_conjointes,
        count(r.reunion_id) filter (where r.instance = 'copil_cite') as copil_cite,
        count(r.reunion_id) filter (
            where r.instance in ('copil_cite', 'copil_conjoint') and r.pre_present
        ) as copil_avec_pre
    from cites as c
    cross join annees as a
    left join reunions as r on r.cite_id = c.cite_id and r.annee = a.annee
    group by c.cite_id, a.annee
)

select
    k.cite_id,
    ce.nom,
    k.annee,
    k.reunions_conjointes,
    k.copil_cite,
    k.copil_avec_pre,
    k.copil_avec_pre > 0 as pre_present_copil_cite
from comptes as k
inner join cite_educative as ce on ce.cite_id = k.cite_id
order by ce.nom, k.annee
