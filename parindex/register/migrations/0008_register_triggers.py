"""The last guards of the register, in PostgreSQL itself, on the columns of 0006 (the services check the same
rules first, through parindex.register.rules and parindex.register.selectors, and say what is wrong in words;
a refusal here reaches the user as "nothing was saved", never as a server error):

- a score within its criterion's maximum, the maximum known, unless the criterion is not applicable;
- an edition's criteria set of the edition's index, covering the edition's year;
- an assessment's unit of the level the edition's index measures (and of its province, for a province's own
  index).

SQLite (the quick start only) relies on the application's checks."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION parindex_score_within_max() RETURNS trigger AS $$
DECLARE
    maximum numeric;
BEGIN
    IF NEW.not_applicable THEN
        RETURN NEW;  -- no points (a CHECK constraint), and the maximum is dropped
    END IF;
    SELECT max_points INTO maximum FROM parindex_criterion WHERE id = NEW.criterion_id;
    IF maximum IS NULL THEN
        RAISE EXCEPTION 'criterion % has no maximum points yet', NEW.criterion_id USING ERRCODE = '23514';
    END IF;
    IF NEW.points > maximum THEN
        RAISE EXCEPTION 'points % exceed the maximum % of criterion %', NEW.points, maximum, NEW.criterion_id
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER parindex_score_within_max
BEFORE INSERT OR UPDATE ON parindex_score
FOR EACH ROW EXECUTE FUNCTION parindex_score_within_max();

CREATE OR REPLACE FUNCTION parindex_edition_methodology_fits() RETURNS trigger AS $$
DECLARE
    first_year integer;
    last_year integer;
    set_index bigint;
BEGIN
    IF NEW.methodology_id IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT year_from, year_until, index_id INTO first_year, last_year, set_index
        FROM parindex_methodology WHERE id = NEW.methodology_id;
    IF set_index IS DISTINCT FROM NEW.index_id THEN
        RAISE EXCEPTION 'methodology % belongs to index %, not to the edition''s index %',
            NEW.methodology_id, set_index, NEW.index_id USING ERRCODE = '23514';
    END IF;
    IF first_year IS NULL OR last_year IS NULL OR NEW.year < first_year OR NEW.year > last_year THEN
        RAISE EXCEPTION 'edition year % is outside the years of methodology % (% to %)',
            NEW.year, NEW.methodology_id, first_year, last_year USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER parindex_edition_methodology_fits
BEFORE INSERT OR UPDATE ON parindex_edition
FOR EACH ROW EXECUTE FUNCTION parindex_edition_methodology_fits();

CREATE OR REPLACE FUNCTION parindex_assessment_unit_fits() RETURNS trigger AS $$
DECLARE
    index_level varchar;
    index_owner bigint;
    unit_level varchar;
    unit_parent bigint;
BEGIN
    SELECT i.unit_level, i.owner_id INTO index_level, index_owner
        FROM parindex_edition e JOIN parindex_index i ON i.id = e.index_id WHERE e.id = NEW.edition_id;
    SELECT level, parent_id INTO unit_level, unit_parent FROM parindex_unit WHERE id = NEW.unit_id;
    IF unit_level IS DISTINCT FROM index_level THEN
        RAISE EXCEPTION 'unit % is of level %, the edition''s index measures level %',
            NEW.unit_id, unit_level, index_level USING ERRCODE = '23514';
    END IF;
    IF index_owner IS NOT NULL AND unit_parent IS DISTINCT FROM index_owner THEN
        RAISE EXCEPTION 'unit % does not belong to province %, which runs the edition''s index',
            NEW.unit_id, index_owner USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER parindex_assessment_unit_fits
BEFORE INSERT OR UPDATE ON parindex_assessment
FOR EACH ROW EXECUTE FUNCTION parindex_assessment_unit_fits();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS parindex_score_within_max ON parindex_score;
DROP FUNCTION IF EXISTS parindex_score_within_max();
DROP TRIGGER IF EXISTS parindex_edition_methodology_fits ON parindex_edition;
DROP FUNCTION IF EXISTS parindex_edition_methodology_fits();
DROP TRIGGER IF EXISTS parindex_assessment_unit_fits ON parindex_assessment;
DROP FUNCTION IF EXISTS parindex_assessment_unit_fits();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("parindex", "0007_register_constraints")]

    operations = [migrations.RunPython(forward, backward)]
