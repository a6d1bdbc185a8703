-- National reference figures, latest version of each, with their French label and source
-- grain: one row per indicator and modality
-- params: none
-- secret: none
with derniere_version as (
    select
        indicateur,
        modalite,
        max(version) as version
    from reference_nationale
    group by indicateur, modalite
)

select
    r.indicateur,
    r.modalite,
    case
        when r.modalite = 'ensemble' then n.libelle
        else n.libelle || ' – ' || coalesce(m.libelle, r.modalite)
    end as libelle,
    r.valeur,
    r.unite,
    r.annee_donnees,
    r.source,
    r.version
from reference_nationale as r
inner join derniere_version as d using (indicateur, modalite, version)
left join nomenclature as n on n.domaine = 'reference' and n.code = r.indicateur
left join nomenclature as m on m.domaine = r.indicateur and m.code = r.modalite
order by n.ordre, r.modalite
