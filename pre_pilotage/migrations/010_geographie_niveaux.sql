-- Reference geography built from the official files (pre_pilotage/geographie): geometry simplified
-- once at build time at two levels, derived facts stored, and where each file came from.
-- `geom` keeps the validated full-resolution WGS84 geometry; `geom_territoire` (10 m tolerance) is
-- what a programme's map draws, `geom_national` (100 m) what a national view draws.

alter table epci add column geom_territoire blob;
alter table epci add column geom_national blob;

alter table commune add column geom_territoire blob;
alter table commune add column geom_national blob;

alter table qpv add column geom_territoire blob;
alter table qpv add column geom_national blob;
-- Children under 15 living in the QPV (INSEE band 0-14), when a population file gives it.
alter table qpv add column population_enfants integer;
-- A point inside the QPV, from its contour (null when no contour is known).
alter table qpv add column longitude double;
alter table qpv add column latitude double;

-- Distance in metres to the nearest QPV of the reference geography (0 inside one).
alter table etablissement add column distance_qpv_m double;

-- Perimeter of a Cité éducative: union of its QPV contours, or of its communes when no QPV contour
-- is known.
alter table cite_educative add column geom blob;
alter table cite_educative add column geom_territoire blob;
alter table cite_educative add column geom_national blob;
-- 'declare': given by the source file; 'deduit': derived at build time (see docs/geographie.md).
alter table cite_educative_qpv add column origine varchar;
alter table cite_educative_etablissement add column origine varchar;

-- Every school inside or within 300 m of a QPV (a school may be near several), for each geography.
create table qpv_etablissement (
    code_qp varchar not null,
    uai varchar not null,
    position varchar not null check (position in ('dans_qpv', 'moins_300m')),
    distance_m double not null check (distance_m >= 0),
    primary key (code_qp, uai)
);

-- One row per official file used to build a territory's geography.
create table geographie_source (
    territoire varchar not null,
    type_fichier varchar not null,
    fichier varchar not null,
    empreinte_sha256 varchar not null,
    elements integer not null,
    geometries_reparees integer not null default 0,
    construit_le timestamp not null
);
