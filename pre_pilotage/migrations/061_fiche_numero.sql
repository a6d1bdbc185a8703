-- A fiche-action's identifier as its programme wrote it (« FA-01 ») is unique only within the
-- programme and year: two programmes of one database, or one programme from one year to the
-- next, may number their fiches the same way. `numero` keeps what the files say (import errors,
-- files written back); `fiche_id` stays the database's own key, built by the import from the
-- programme, the year and the number (`importation._cle_fiche`). Fiches imported before keep
-- their key, which was their number.
alter table fiche_action add column numero varchar;
update fiche_action set numero = fiche_id;
alter table fiche_action alter column numero set not null;
