-- Per-programme protection (issue 18): an import changes one programme, so only that programme's
-- views and cells are recomputed. Each stored view says its programme; each programme's data
-- fingerprint (its rows, and the rows of tables attached to them) is kept beside the one of the
-- tables every programme shares (geography, nomenclatures: pre_id = ''), whose change recomputes
-- every programme.
alter table secret_vue add column pre_id varchar;

create table secret_empreinte (
    seuil integer not null,
    pre_id varchar not null,
    empreinte varchar not null,
    primary key (seuil, pre_id)
);
