-- The statistical protection of the whole database (pre_pilotage/protection): one per threshold
-- in use, computed when the data change, read by every view.
create table secret_protection (
    seuil integer primary key,
    version varchar not null,
    empreinte_regles varchar not null,
    empreinte_donnees varchar not null,
    calculee_le timestamp not null,
    duree_secondes double not null,
    valeurs_min integer not null,
    vues integer not null,
    cellules integer not null,
    primaires integer not null,
    secondaires integer not null
);

-- One protected result per view (query and parameter values), as an Arrow IPC stream.
create table secret_vue (
    seuil integer not null,
    requete varchar not null,
    parametres varchar not null,
    cadre blob not null,
    primary key (seuil, requete, parametres)
);

-- Every distinct cell (a set of records of one programme and year) and its state.
create table secret_cellule (
    seuil integer not null,
    cellule integer not null,
    pre_id varchar not null,
    annee integer,
    valeur integer not null,
    statut varchar not null,
    raison varchar not null,
    vues integer not null,
    exemple varchar not null,
    bas integer,
    haut integer,
    primary key (seuil, cellule)
);
