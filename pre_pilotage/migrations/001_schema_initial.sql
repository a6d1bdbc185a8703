-- Initial data model (DOMAIN.md section 4). Geometry is WGS84 (EPSG:4326) stored as WKB.

-- Reference geography ---------------------------------------------------------------------------
create table epci (
    siren varchar primary key,
    nom varchar not null,
    population integer,
    geom blob
);

create table commune (
    code_insee varchar primary key,
    nom varchar not null,
    siren_epci varchar,
    population integer,
    geom blob
);

create table qpv (
    code_qp varchar primary key,
    nom varchar not null,
    annee_geographie integer not null check (annee_geographie in (2015, 2024)),
    population integer,
    geom blob
);

create table qpv_commune (
    code_qp varchar not null,
    code_insee varchar not null,
    primary key (code_qp, code_insee)
);

create table etablissement (
    uai varchar primary key,
    nom varchar not null,
    type_etablissement varchar not null check (type_etablissement in ('ecole', 'college')),
    code_insee varchar not null,
    longitude double,
    latitude double,
    education_prioritaire varchar check (education_prioritaire in ('REP', 'REP+')),
    uai_tete_reseau varchar,
    -- Derived at build time: 'dans_qpv', 'moins_300m' or 'hors_qpv', with the nearest QPV.
    position_qpv varchar check (position_qpv in ('dans_qpv', 'moins_300m', 'hors_qpv')),
    code_qp_proche varchar
);

create table cite_educative (
    cite_id varchar primary key,
    nom varchar not null,
    uai_chef_de_file varchar,
    annee_labellisation integer
);

create table cite_educative_commune (
    cite_id varchar not null,
    code_insee varchar not null,
    primary key (cite_id, code_insee)
);

create table cite_educative_qpv (
    cite_id varchar not null,
    code_qp varchar not null,
    primary key (cite_id, code_qp)
);

create table cite_educative_etablissement (
    cite_id varchar not null,
    uai varchar not null,
    primary key (cite_id, uai)
);

-- Programmes and their teams ---------------------------------------------------------------------
create table programme (
    pre_id varchar primary key,
    nom varchar not null,
    porteur varchar,
    type_porteur varchar check (type_porteur in ('CCAS', 'CIAS', 'caisse des écoles', 'GIP', 'commune', 'EPCI')),
    siren_epci varchar
);

create table programme_commune (
    pre_id varchar not null,
    code_insee varchar not null,
    primary key (pre_id, code_insee)
);

-- One row per team member and year; personne_id is a pseudonym.
create table equipe (
    pre_id varchar not null,
    annee integer not null,
    personne_id varchar not null,
    fonction varchar not null check (fonction in ('responsable', 'coordination', 'referent')),
    etp decimal(4, 2) not null check (etp > 0 and etp <= 1),
    primary key (pre_id, annee, personne_id)
);

-- Pseudonymised programme data ---------------------------------------------------------------------
create table beneficiaire (
    beneficiaire_id varchar primary key,
    pre_id varchar not null,
    sexe varchar not null check (sexe in ('F', 'M')),
    annee_naissance integer not null,
    niveau_scolaire varchar,
    uai varchar,
    zone_residence varchar not null check (zone_residence in ('qpv', 'qva', 'hors')),
    code_qp varchar,
    code_insee_residence varchar,
    check ((zone_residence = 'qpv') = (code_qp is not null))
);

create table parcours (
    parcours_id varchar primary key,
    beneficiaire_id varchar not null,
    pre_id varchar not null,
    date_orientation date,
    date_premiere_eps date,
    date_entree date not null,
    date_sortie date,
    motif_sortie varchar,
    profil integer check (profil in (1, 2, 3)),
    referent_id varchar,
    orienteur varchar check (orienteur in ('ecole', 'service_social_departemental', 'ccas', 'pmi',
        'sante', 'famille', 'association', 'autre')),
    oriente_par_cite_educative boolean not null default false,
    suivi_ase boolean not null default false,
    check (date_sortie is null or date_sortie >= date_entree)
);

create table parcours_motif (
    parcours_id varchar not null,
    motif varchar not null check (motif in ('resultats_scolaires', 'isolement_social', 'comportement',
        'sante', 'sante_mentale', 'langage', 'parentalite', 'absenteisme', 'autre')),
    primary key (parcours_id, motif)
);

create table action_parcours (
    parcours_id varchar not null,
    type_action varchar not null,
    fiche_id varchar,
    date_debut date
);

create table eps (
    eps_id varchar primary key,
    pre_id varchar not null,
    nom varchar not null,
    code_insee varchar,
    code_qp varchar
);

create table eps_reunion (
    reunion_id varchar primary key,
    eps_id varchar not null,
    date_reunion date not null,
    nb_professionnels integer not null check (nb_professionnels >= 0),
    nb_situations integer not null check (nb_situations >= 0)
);

-- Partner types present at an EPS meeting; uai when the partner is a school.
create table eps_reunion_partenaire (
    reunion_id varchar not null,
    type_partenaire varchar not null,
    uai varchar,
    acteur_cite_educative boolean not null default false
);

-- Programming -------------------------------------------------------------------------------------
create table fiche_action (
    fiche_id varchar primary key,
    pre_id varchar not null,
    annee integer not null,
    intitule varchar not null,
    thematique varchar not null check (thematique in ('parentalite', 'sante_bien_etre', 'langage',
        'estime_de_soi', 'culture_sport', 'scolarite', 'ingenierie')),
    niveau varchar not null check (niveau in ('intercommunal', 'communal')),
    code_insee varchar,
    porteur varchar,
    beneficiaires_prevus integer,
    beneficiaires_realises integer,
    statut varchar check (statut in ('proposee', 'validee', 'en_cours', 'realisee', 'abandonnee'))
);

create table financement (
    fiche_id varchar not null,
    financeur varchar not null check (financeur in ('etat', 'epci', 'commune', 'caf', 'departement',
        'cite_educative', 'education_nationale', 'ars', 'autre')),
    montant_prevu decimal(12, 2) not null check (montant_prevu >= 0),
    montant_accorde decimal(12, 2) check (montant_accorde >= 0),
    montant_verse decimal(12, 2) check (montant_verse >= 0),
    primary key (fiche_id, financeur)
);

-- Governance ----------------------------------------------------------------------------------------
create table gouvernance_reunion (
    reunion_id varchar primary key,
    date_reunion date not null,
    instance varchar not null check (instance in ('copil_pre', 'copil_cite', 'copil_conjoint',
        'comite_technique')),
    cite_id varchar
);

create table gouvernance_participation (
    reunion_id varchar not null,
    pre_id varchar not null,
    primary key (reunion_id, pre_id)
);

-- National reference figures, versioned: a new publication adds a new version, never overwrites.
create table reference_nationale (
    indicateur varchar not null,
    modalite varchar not null,
    valeur double not null,
    unite varchar not null,
    annee_donnees integer not null,
    source varchar not null,
    version integer not null,
    primary key (indicateur, modalite, version)
);

-- Facts about the database itself (demo flag, generator seed, data date).
create table meta (
    cle varchar primary key,
    valeur varchar not null
);
