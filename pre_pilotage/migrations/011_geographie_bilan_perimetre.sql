-- What the geography build did with each file, and how each Cité éducative's perimeter is known.

-- Features kept for the territory, the coordinate system used, and every feature set aside with
-- its reason (French text, one line per reason), so that nothing is dropped silently.
alter table geographie_source add column retenus integer;
alter table geographie_source add column systeme varchar;
alter table geographie_source add column ecartes varchar;

-- 'qpv_declares': QPV given by a file (the Cités' QPV list, or the Cités file itself);
-- 'qpv_deduits': QPV inferred from the Cité's communes (and name), to be confirmed;
-- 'communes': no QPV known, the perimeter is the Cité's communes.
-- (DuckDB cannot add a column with a CHECK constraint: the values are set by the geography build.)
alter table cite_educative add column perimetre varchar;
