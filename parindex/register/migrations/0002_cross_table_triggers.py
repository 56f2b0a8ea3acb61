"""Rules that span tables, enforced by PostgreSQL itself (the forms and services check them first, with
friendlier messages): a domain score within its domain's applicable maximum, and an edition year within the
years of its methodology. SQLite (the quick start only) relies on the application's checks."""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION parindex_domain_score_within_max() RETURNS trigger AS $$
DECLARE
    maximum numeric;
BEGIN
    SELECT max_points INTO maximum FROM parindex_domain WHERE id = NEW.domain_id;
    IF maximum IS NULL THEN
        RAISE EXCEPTION 'domain % has no maximum points yet', NEW.domain_id USING ERRCODE = '23514';
    END IF;
    IF NEW.not_applicable > maximum THEN
        RAISE EXCEPTION 'not-applicable points % exceed the domain maximum %', NEW.not_applicable, maximum
            USING ERRCODE = '23514';
    END IF;
    IF NEW.points > maximum - NEW.not_applicable THEN
        RAISE EXCEPTION 'points % exceed the domain maximum %', NEW.points, maximum - NEW.not_applicable
            USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER parindex_domain_score_within_max
BEFORE INSERT OR UPDATE ON parindex_domainscore
FOR EACH ROW EXECUTE FUNCTION parindex_domain_score_within_max();

CREATE OR REPLACE FUNCTION parindex_edition_year_in_methodology() RETURNS trigger AS $$
DECLARE
    first_year integer;
    last_year integer;
BEGIN
    IF NEW.methodology_id IS NULL THEN
        RETURN NEW;
    END IF;
    SELECT year_from, year_until INTO first_year, last_year FROM parindex_methodology WHERE id = NEW.methodology_id;
    IF first_year IS NULL OR last_year IS NULL OR NEW.year < first_year OR NEW.year > last_year THEN
        RAISE EXCEPTION 'edition year % is outside the years of methodology % (% to %)',
            NEW.year, NEW.methodology_id, first_year, last_year USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER parindex_edition_year_in_methodology
BEFORE INSERT OR UPDATE ON parindex_edition
FOR EACH ROW EXECUTE FUNCTION parindex_edition_year_in_methodology();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS parindex_domain_score_within_max ON parindex_domainscore;
DROP FUNCTION IF EXISTS parindex_domain_score_within_max();
DROP TRIGGER IF EXISTS parindex_edition_year_in_methodology ON parindex_edition;
DROP FUNCTION IF EXISTS parindex_edition_year_in_methodology();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("parindex", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
