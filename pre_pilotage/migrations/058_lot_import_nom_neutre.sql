-- An import file's name may identify a child (« Dupont_Lucas_12-03-2015.csv »): lot_import keeps
-- a neutral label of what the file held and a keyed hash of its name (pre_pilotage/importation),
-- never the name itself. Names stored by earlier versions are replaced by that label; their hash
-- is unknown (the key is not in the database), so it stays empty. The file is then rewritten
-- (pre_pilotage.db.migrer_fichier), so that the old names leave no byte in it.
-- pre_pilotage: reecrire le fichier
alter table lot_import add column empreinte_nom varchar;

update lot_import
set fichier = coalesce(
    (
        select n.libelle from nomenclature as n
        where n.domaine = 'type_fichier' and n.code = lot_import.type_fichier
    ),
    lot_import.type_fichier
) || case
    when lower(lot_import.fichier) like '%.xlsx' or lower(lot_import.fichier) like '%.xlsm'
        then ' (fichier XLSX)'
    else ' (fichier CSV)'
end;
