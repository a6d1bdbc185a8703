-- The programme as its coordinator describes it (page « Programme », `python -m pre_pilotage
-- programme`): more kinds of structure porteuse (the ANCT list of PRE names associations and
-- others), and the years the programme runs, known before any data is imported (its years are
-- these and those of its team and programming).
create table programme_v40 (
    pre_id varchar primary key,
    nom varchar not null,
    porteur varchar,
    type_porteur varchar check (type_porteur in ('CCAS', 'CIAS', 'caisse des écoles', 'GIP',
        'commune', 'EPCI', 'association', 'autre')),
    siren_epci varchar
);
insert into programme_v40 select pre_id, nom, porteur, type_porteur, siren_epci from programme;
drop table programme;
alter table programme_v40 rename to programme;

create table programme_annee (
    pre_id varchar not null,
    annee integer not null check (annee between 2005 and 2100),
    primary key (pre_id, annee)
);
