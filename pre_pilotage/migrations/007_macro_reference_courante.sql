-- The national reference of one indicator, by modality, in its latest version (a newer survey
-- adds a version; older ones stay for the record). Used by every query that shows a national
-- share beside the territory's.
create macro reference_courante(p_indicateur) as table
    select
        modalite,
        valeur as part_nationale,
        annee_donnees as annee_nationale,
        source as source_nationale
    from reference_nationale
    where indicateur = p_indicateur
        and version = (
            select max(version) from reference_nationale where indicateur = p_indicateur
        );
