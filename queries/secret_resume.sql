-- What the stored statistical protection did for one programme, per threshold: for the report's annex
-- grain: one row per threshold of the stored protection
-- params: $pre_id VARCHAR
-- secret: none
-- Counts of cells (figures), not of children: how many figures the protection computed for the
-- programme, how many it masks, and the fewest values any masked small count keeps (its range
-- proven by the protection's linear programs, `secret_cellule.bas`/`haut`).
select
    p.seuil,
    p.calculee_le,
    p.valeurs_min,
    count(c.cellule) as cellules,
    count(c.cellule) filter (where c.statut = 'primaire') as primaires,
    count(c.cellule) filter (where c.statut = 'secondaire') as secondaires,
    min(c.haut - c.bas + 1) filter (
        where c.statut <> 'visible' and c.valeur between 1 and p.seuil - 1
    ) as valeurs_possibles_min
from secret_protection as p
left join secret_cellule as c on c.seuil = p.seuil and c.pre_id = $pre_id
group by p.seuil, p.calculee_le, p.valeurs_min
order by p.seuil
