-- Fiches-action of the year that children living in one QPV took part in (the QPV's card)
-- grain: one row per fiche-action with at least one child of the QPV, by title
-- params: $pre_id VARCHAR, $annee INTEGER, $qpv VARCHAR
-- secret: counts=enfants
with enfants as (
    select distinct
        p.parcours_id,
        p.beneficiaire_id
    from parcours_territoire($pre_id, null, $qpv) as p
    where actif_dans_annee(p.date_entree, p.date_sortie, $annee)
)

select
    f.numero as fiche,
    f.intitule,
    t.libelle as thematique,
    n.libelle as niveau,
    f.porteur,
    count(distinct e.beneficiaire_id) as enfants,
    list_sort(list_distinct(list('b:' || e.beneficiaire_id))) as enfants__ids
from enfants as e
inner join action_parcours as a on a.parcours_id = e.parcours_id
inner join fiche_action as f on f.fiche_id = a.fiche_id
left join nomenclature as t on t.domaine = 'thematique' and t.code = f.thematique
left join nomenclature as n on n.domaine = 'niveau' and n.code = f.niveau
where f.annee = $annee
group by f.fiche_id, f.numero, f.intitule, t.libelle, n.libelle, f.porteur
order by f.intitule, f.numero
