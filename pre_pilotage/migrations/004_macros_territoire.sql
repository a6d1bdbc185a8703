-- Shared building blocks of the queries, so that every query filters the territory the same way.

-- A parcours with its child's attributes, for one programme, optionally one commune of residence
-- or one QPV of residence (NULL means no filter).
create macro parcours_territoire(p_pre_id, p_commune, p_qpv) as table
    select
        p.*,
        b.sexe,
        b.annee_naissance,
        b.niveau_scolaire,
        b.uai,
        b.zone_residence,
        b.code_qp,
        b.code_insee_residence
    from parcours as p
    inner join beneficiaire as b on b.beneficiaire_id = p.beneficiaire_id
    where p.pre_id = p_pre_id
        and (p_commune is null or b.code_insee_residence = p_commune)
        and (p_qpv is null or b.code_qp = p_qpv);

-- A parcours is active in a calendar year when it overlaps that year.
create macro actif_dans_annee(date_entree, date_sortie, annee) as
    date_entree <= make_date(annee, 12, 31)
    and (date_sortie is null or date_sortie >= make_date(annee, 1, 1));

-- Age bands of the national PRE survey, from the age reached during the year.
create macro tranche_age(age) as
    case
        when age <= 5 then '2-5 ans'
        when age <= 10 then '6-10 ans'
        when age <= 16 then '11-16 ans'
        else '17 ans et plus'
    end;

-- Fiches-action of the territory: all of the programme's, or, when a commune (or a QPV, through
-- its commune) is selected, the communal fiches of that commune; intercommunal fiches are not
-- split between communes.
create macro fiches_territoire(p_pre_id, p_commune, p_qpv) as table
    with commune_retenue as (
        select coalesce(
            p_commune,
            (select min(qc.code_insee) from qpv_commune as qc where qc.code_qp = p_qpv)
        ) as code_insee
    )
    select f.*
    from fiche_action as f, commune_retenue as c
    where f.pre_id = p_pre_id
        and (c.code_insee is null or f.code_insee = c.code_insee);
