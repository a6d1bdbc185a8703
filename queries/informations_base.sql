-- Facts about the loaded database (demo flag, data date)
-- grain: one row per key
-- params: none
-- secret: none
select
    cle,
    valeur
from meta
order by cle
