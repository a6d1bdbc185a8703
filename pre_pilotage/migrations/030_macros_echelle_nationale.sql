-- National scale (530 programmes, docs/performance.md): the territory macro also filters the
-- child's row on the programme, so that DuckDB skips the other programmes' row groups of
-- `beneficiaire` (zone maps on pre_id) instead of scanning and hashing the whole national table
-- at every query. Same rows as before: a child belongs to one programme, the one of all its
-- parcours (the importer writes both with the imported programme; beneficiaire_id is the key).

create or replace macro parcours_territoire(p_pre_id, p_commune, p_qpv) as table
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
        and b.pre_id = p_pre_id
        and (p_commune is null or b.code_insee_residence = p_commune)
        and (p_qpv is null or b.code_qp = p_qpv);
