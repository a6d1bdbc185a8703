-- Planned money of the year flowing from each funder to each thematic, for the flow (Sankey) chart
-- grain: one row per funder and thematic with a non-zero planned amount
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: none
with flux as (
    select
        fi.financeur,
        f.thematique,
        sum(fi.montant_prevu) as montant_prevu
    from fiches_territoire($pre_id, $commune, $qpv) as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    where f.annee = $annee
    group by fi.financeur, f.thematique
    having sum(fi.montant_prevu) > 0
)

select
    x.financeur,
    nf.libelle as libelle_financeur,
    x.thematique,
    nt.libelle as libelle_thematique,
    cast(x.montant_prevu as double) as montant_prevu
from flux as x
inner join nomenclature as nf on nf.domaine = 'financeur' and nf.code = x.financeur
inner join nomenclature as nt on nt.domaine = 'thematique' and nt.code = x.thematique
order by nf.ordre, nt.ordre
