-- Files imported for a programme, most recent first
-- grain: one row per imported file
-- params: $pre_id VARCHAR
-- secret: none
select
    importe_le,
    annee,
    n.libelle as type_fichier,
    fichier,
    lignes,
    coalesce(importe_par, '') as importe_par
from lot_import as l
left join (
    select code, libelle from nomenclature where domaine = 'type_fichier'
) as n on n.code = l.type_fichier
where l.pre_id = $pre_id
order by importe_le desc, fichier
