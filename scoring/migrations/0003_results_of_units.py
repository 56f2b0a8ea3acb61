"""Results hold any index and any level of unit: a year result belongs to a unit (the provinces so far), a
domain result to a criterion of the top level (the domains so far). Every row is kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0002_domain_result_single_index"),
        ("parindex", "0006_indices_units_criteria"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="yearresult", name="scoring_yea_provinc_726ccd_idx"),
        migrations.RemoveConstraint(model_name="yearresult", name="year_result_unique"),
        migrations.RenameField("yearresult", "province", "unit"),
    ]
