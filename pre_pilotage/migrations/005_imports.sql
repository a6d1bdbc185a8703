-- Imports of the programme's own files: one row per accepted file, and the year each parcours and
-- child came from (a parcours present in several yearly files keeps the most recent year's data).
alter table parcours add column annee_import integer;
alter table beneficiaire add column annee_import integer;

create table lot_import (
    lot_id varchar primary key,
    pre_id varchar not null,
    type_fichier varchar not null,
    annee integer not null,
    fichier varchar not null,
    empreinte_sha256 varchar not null,
    lignes integer not null,
    importe_le timestamp not null,
    importe_par varchar
);
