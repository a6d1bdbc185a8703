-- For each year and child, the parcours that the statistical protection counts as the child's own record (the latest one active in the year)
-- grain: one row per child and year the child has an active parcours in
-- params: $pre_id VARCHAR
-- secret: none
with fin as (
    select max(greatest(year(date_entree), coalesce(year(date_sortie), 0))) as derniere
    from parcours
    where pre_id = $pre_id
),

annees as (
    select
        p.parcours_id,
        p.beneficiaire_id,
        p.date_entree,
        p.date_sortie,
        unnest(range(year(p.date_entree), coalesce(year(p.date_sortie), f.derniere) + 1)) as annee
    from parcours as p, fin as f
    where p.pre_id = $pre_id
)

select
    annee,
    'p:' || parcours_id as parcours,
    'b:' || beneficiaire_id as enfant
from annees
where actif_dans_annee(date_entree, date_sortie, annee)
qualify row_number() over (
    partition by annee, beneficiaire_id order by date_entree desc, parcours_id
) = 1
order by annee, parcours
