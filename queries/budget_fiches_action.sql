-- Fiches-action of the year with their thematic, level, commune, carrier, budget, funders and status
-- grain: one row per fiche-action of the year
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: none
with fiches as (
    select *
    from fiches_territoire($pre_id, $commune, $qpv)
    where annee = $annee
),

financeurs as (
    select
        fi.fiche_id,
        sum(fi.montant_prevu) as montant_prevu,
        string_agg(n.libelle, ', ' order by fi.montant_prevu desc, n.ordre)
            filter (where fi.montant_prevu > 0) as financeurs
    from financement as fi
    inner join fiches as f on f.fiche_id = fi.fiche_id
    inner join nomenclature as n on n.domaine = 'financeur' and n.code = fi.financeur
    group by fi.fiche_id
)

select
    f.numero as fiche,
    f.intitule,
    nt.libelle as thematique,
    nn.libelle as niveau,
    coalesce(c.nom, 'Toutes les communes') as commune,
    coalesce(f.porteur, 'Non renseigné') as porteur,
    cast(coalesce(x.montant_prevu, 0) as double) as montant_prevu,
    coalesce(x.financeurs, 'Aucun') as financeurs,
    coalesce(ns.libelle, 'Non renseigné') as statut
from fiches as f
inner join nomenclature as nt on nt.domaine = 'thematique' and nt.code = f.thematique
inner join nomenclature as nn on nn.domaine = 'niveau' and nn.code = f.niveau
left join nomenclature as ns on ns.domaine = 'statut' and ns.code = f.statut
left join commune as c on c.code_insee = f.code_insee
left join financeurs as x on x.fiche_id = f.fiche_id
order by nt.ordre, nn.ordre, montant_prevu desc, f.intitule
