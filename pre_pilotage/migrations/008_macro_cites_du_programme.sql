-- The Cités éducatives of a programme: those covering at least one of its communes. Every query
-- of the Cité page and the map's Cité layer start from this list.
create macro cites_du_programme(p_pre_id) as table
    select distinct cc.cite_id
    from cite_educative_commune as cc
    inner join programme_commune as pc on pc.code_insee = cc.code_insee
    where pc.pre_id = p_pre_id;
