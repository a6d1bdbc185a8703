-- National survey consolidation (issue 16): each PRE's answer as submitted in its « Enquête
-- nationale PRE » workbook, masking tokens kept (« < 11 », « s », « – »), one answer per PRE and
-- year. A re-import of a PRE's answer replaces its rows after confirmation.
-- In a schema of its own: these are already-masked figures sent by other programmes, not this
-- database's records, so the statistical protection's data fingerprint (schema main) ignores them
-- and an import of survey answers does not ask for the protection to be recomputed.
create schema enquete_nationale;

create table enquete_nationale.reponse (
    pre_id varchar not null,
    annee integer not null check (annee between 2005 and 2100),
    nom_programme varchar not null,
    communes varchar not null,         -- INSEE codes written in the workbook, « ; »-separated
    seuil integer not null,
    empreinte varchar not null,        -- SHA-256 of the workbook (its name is not kept)
    importe_le timestamp not null,
    importe_par varchar not null,
    primary key (pre_id, annee)
);

create table enquete_nationale.valeur (
    pre_id varchar not null,
    annee integer not null,
    feuille varchar not null,
    code varchar not null,             -- indicator code (docs/indicateurs.md)
    modalite varchar not null,         -- row of a distribution or table; '' for a key figure
    colonne varchar not null,          -- valeur, effectif, part, part_nationale, parcours_actifs…
    unite varchar not null,
    valeur double,                     -- null when the workbook gives a token
    jeton varchar check (jeton is null or jeton in ('< 11', 's', '–')),
    cellule varchar not null,          -- where it was read (« B12 »)
    check ((valeur is null) <> (jeton is null)),
    primary key (pre_id, annee, code, modalite, colonne)
);
