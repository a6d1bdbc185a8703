-- Team of the whole programme for the national survey: people and full-time equivalents by function
-- grain: one row per function (responsable, coordination, référent), even when nobody holds it
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: none
with fonctions as (
    select *
    from (
        values
            ('responsable', 'Responsable du programme', 1),
            ('coordination', 'Coordination', 2),
            ('referent', 'Référents de parcours', 3)
    ) as t (fonction, libelle, ordre)
),

membres as (
    select
        fonction,
        personne_id,
        etp
    from equipe
    where pre_id = $pre_id
        and annee = $annee
)

select
    f.fonction,
    f.libelle,
    count(m.personne_id) as personnes,
    cast(coalesce(sum(m.etp), 0) as double) as etp
from fonctions as f
left join membres as m on m.fonction = f.fonction
group by f.fonction, f.libelle, f.ordre
order by f.ordre
