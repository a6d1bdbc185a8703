-- Which fiches-action the budget figures cover: the commune retained and what is left out
-- grain: one row
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: none
with retenues as (
    select fiche_id
    from fiches_territoire($pre_id, $commune, $qpv)
    where annee = $annee
),

-- The commune fiches_territoire keeps for a QPV (the same rule, to name it on the page).
commune_retenue as (
    select coalesce(
        $commune,
        (select min(qc.code_insee) from qpv_commune as qc where qc.code_qp = $qpv)
    ) as code_insee
),

hors_perimetre as (
    select
        count(distinct f.fiche_id) as fiches_hors_perimetre,
        coalesce(sum(fi.montant_prevu), 0) as montant_hors_perimetre
    from fiche_action as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    where f.pre_id = $pre_id
        and f.annee = $annee
        and f.fiche_id not in (select fiche_id from retenues)
)

select
    r.code_insee,
    c.nom as nom_commune,
    (select count(*) from retenues) as fiches_retenues,
    h.fiches_hors_perimetre,
    cast(h.montant_hors_perimetre as double) as montant_hors_perimetre
from commune_retenue as r
left join commune as c on c.code_insee = r.code_insee
cross join hors_perimetre as h
