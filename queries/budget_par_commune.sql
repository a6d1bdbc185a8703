-- Communal programming of the year by commune, with the year before (intercommunal fiches are not split)
-- grain: one row per commune of the programme (only the retained commune when a commune or QPV is selected)
-- params: $pre_id VARCHAR, $commune VARCHAR, $qpv VARCHAR, $annee INTEGER
-- secret: none
with fiches as (
    select
        f.fiche_id,
        f.annee,
        f.code_insee,
        f.niveau
    from fiches_territoire($pre_id, $commune, $qpv) as f
    where f.annee in ($annee - 1, $annee)
),

total as (
    select sum(fi.montant_prevu) as budget_programme
    from fiches as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    where f.annee = $annee
),

communes_retenues as (
    select code_insee
    from programme_commune
    where pre_id = $pre_id and $commune is null and $qpv is null
    union
    select code_insee
    from fiches
    where niveau = 'communal'
),

montants as (
    select
        f.code_insee,
        count(distinct f.fiche_id) filter (where f.annee = $annee) as fiches_action,
        sum(fi.montant_prevu) filter (where f.annee = $annee) as montant_prevu,
        sum(fi.montant_prevu) filter (where f.annee = $annee - 1) as montant_prevu_precedent
    from fiches as f
    inner join financement as fi on fi.fiche_id = f.fiche_id
    where f.niveau = 'communal'
    group by f.code_insee
),

complet as (
    select
        r.code_insee,
        c.nom,
        coalesce(m.fiches_action, 0) as fiches_action,
        coalesce(m.montant_prevu, 0) as montant_prevu,
        coalesce(m.montant_prevu_precedent, 0) as montant_prevu_precedent
    from communes_retenues as r
    inner join commune as c on c.code_insee = r.code_insee
    left join montants as m on m.code_insee = r.code_insee
)

select
    k.code_insee,
    k.nom,
    k.fiches_action,
    cast(k.montant_prevu as double) as montant_prevu,
    round(100.0 * k.montant_prevu / nullif(t.budget_programme, 0), 1) as part,
    cast(k.montant_prevu_precedent as double) as montant_prevu_precedent,
    round(100.0 * (k.montant_prevu - k.montant_prevu_precedent)
        / nullif(k.montant_prevu_precedent, 0), 1) as evolution
from complet as k, total as t
order by k.montant_prevu desc, k.nom
