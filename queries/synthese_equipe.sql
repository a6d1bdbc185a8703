-- Team size and caseload of the whole programme, for the selected year and the year before
-- grain: one row per year ($annee - 1 and $annee)
-- params: $pre_id VARCHAR, $annee INTEGER
-- secret: counts=actifs_programme; rate=enfants_par_etp:actifs_programme
with annees as (
    select unnest([$annee - 1, $annee]) as annee
),

etp as (
    select
        annee,
        sum(etp) filter (where fonction = 'referent') as etp_referents
    from equipe
    where pre_id = $pre_id
    group by annee
),

actifs as (
    select
        a.annee,
        count(distinct p.beneficiaire_id) as actifs_programme,
        coalesce(list_sort(list_distinct(list('b:' || p.beneficiaire_id)
            filter (where p.beneficiaire_id is not null))), []) as actifs_programme__ids
    from annees as a
    left join parcours as p
        on p.pre_id = $pre_id
        and actif_dans_annee(p.date_entree, p.date_sortie, a.annee)
    group by a.annee
)

select
    a.annee,
    a.actifs_programme,
    cast(e.etp_referents as double) as etp_referents,
    round(a.actifs_programme / nullif(e.etp_referents, 0), 1) as enfants_par_etp,
    a.actifs_programme__ids
from actifs as a
left join etp as e on e.annee = a.annee
order by a.annee
