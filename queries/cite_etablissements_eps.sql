-- Cité éducative articulation 6: schools of the Cité represented at a meeting of an EPS of the programme, and meetings of the EPS of its communes with a Cité éducative actor, for the selected year and the year before
-- grain: one row per Cité éducative of the programme's communes and year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: none
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

cites as (
    select cite_id from cites_du_programme($pre_id)
),

partenaires as (
    select
        year(r.date_reunion) as annee,
        e.code_insee,
        r.reunion_id,
        rp.uai,
        rp.acteur_cite_educative
    from eps as e
    inner join eps_reunion as r on r.eps_id = e.eps_id
    inner join eps_reunion_partenaire as rp on rp.reunion_id = r.reunion_id
    where e.pre_id = $pre_id
),

etablissements as (
    select
        cite_id,
        count(distinct uai) as etablissements_cite
    from cite_educative_etablissement
    group by cite_id
),

comptes as (
    select
        c.cite_id,
        a.annee,
        count(distinct p.uai) filter (
            where p.uai in (
                select ee.uai from cite_educative_etablissement as ee where ee.cite_id = c.cite_id
            )
        ) as etablissements_representes,
        -- Meetings of the EPS of the Cité's communes only.
        count(distinct p.reunion_id) filter (
            where p.acteur_cite_educative and p.code_insee in (
                select cc.code_insee from cite_educative_commune as cc where cc.cite_id = c.cite_id
            )
        ) as reunions_avec_acteur_cite
    from cites as c
    cross join annees as a
    left join partenaires as p on p.annee = a.annee
    group by c.cite_id, a.annee
)

select
    k.cite_id,
    ce.nom,
    k.annee,
    coalesce(e.etablissements_cite, 0) as etablissements_cite,
    k.etablissements_representes,
    round(100.0 * k.etablissements_representes / nullif(e.etablissements_cite, 0), 1)
        as part_etablissements_eps,
    k.reunions_avec_acteur_cite
from comptes as k
inner join cite_educative as ce on ce.cite_id = k.cite_id
left join etablissements as e on e.cite_id = k.cite_id
order by ce.nom, k.annee
