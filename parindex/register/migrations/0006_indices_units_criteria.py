"""One register for every index and every level of unit (issue: indices and units as data).

Every existing row is kept and becomes part of the PAR INDEX of provinces:
- a new table of indices, with the PAR INDEX; criteria sets, editions, published averages and targets point to it;
- provinces become units (level "province", no parent); departments and communes can now be added;
- domains become the top level of a tree of criteria (criterion, sub-criterion below, optional);
- domain scores become scores on any criterion, with "not applicable" as a flag that drops points and maximum
  together (no stored row had not-applicable points, which the grid never wrote; one that had would stop this
  migration with its id rather than be guessed at).

The PostgreSQL triggers of 0002 are replaced by ones on the new columns (see 0007).
"""

import django.db.models.deletion
from django.db import migrations, models

PAR_INDEX = "PAR_INDEX"

DROP_OLD_TRIGGERS = r"""
DROP TRIGGER IF EXISTS parindex_domain_score_within_max ON parindex_domainscore;
DROP FUNCTION IF EXISTS parindex_domain_score_within_max();
DROP TRIGGER IF EXISTS parindex_edition_year_in_methodology ON parindex_edition;
DROP FUNCTION IF EXISTS parindex_edition_year_in_methodology();
"""


def drop_old_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_OLD_TRIGGERS, params=None)


def create_par_index(apps, schema_editor):
    Index = apps.get_model("parindex", "Index")
    index, _created = Index.objects.get_or_create(
        code=PAR_INDEX,
        defaults={
            "short_name": "PAR INDEX",
            "name_vi": "Chỉ số cải cách hành chính của các tỉnh, thành phố trực thuộc Trung ương",
            "name_en": "Public Administration Reform Index of the provinces",
            "publisher": "Bộ Nội vụ",
            "unit_level": "province",
            "value_kind": "percent",
            "max_value": 100,
            "higher_is_better": True,
            "order": 1,
        },
    )
    for model in ("Methodology", "Edition", "HistoricalEdition", "PublishedAverage", "Target"):
        apps.get_model("parindex", model).objects.filter(index__isnull=True).update(index=index)


def criterion_codes(apps, schema_editor):
    Criterion = apps.get_model("parindex", "Criterion")
    # Historical states keep the orderings of their day, which name fields renamed above: order by pk.
    for criterion in Criterion.objects.order_by("pk"):
        criterion.code = str(criterion.number)
        criterion.level = 1
        criterion.save(update_fields=["code", "level"])


def not_applicable_flags(apps, schema_editor):
    Score = apps.get_model("parindex", "Score")
    partial = []
    for score in Score.objects.filter(not_applicable_points__gt=0).select_related("criterion").order_by("pk"):
        if score.criterion.max_points is not None and score.not_applicable_points == score.criterion.max_points:
            score.not_applicable = True
            score.points = None
            score.save(update_fields=["not_applicable", "points"])
        else:
            partial.append(score.pk)
    if partial:
        raise RuntimeError(
            f"scores {partial} hold not-applicable points that are part of a domain: enter the criteria "
            "of those domains first, then migrate"
        )


class Migration(migrations.Migration):
    # After the results tables of scoring, which point to the provinces and domains renamed here.
    dependencies = [("parindex", "0005_import_job"), ("scoring", "0002_domain_result_single_index")]

    operations = [
        migrations.RunPython(drop_old_triggers, migrations.RunPython.noop),
        # --- provinces become units ------------------------------------------------------------------
        migrations.RemoveConstraint(model_name="assessment", name="assessment_edition_province_unique"),
        migrations.RemoveConstraint(model_name="target", name="target_province_year_unique"),
        migrations.RemoveConstraint(model_name="editorassignment", name="editor_assignment_unique"),
        migrations.RemoveConstraint(
            model_name="editorassignment", name="editor_assignment_all_provinces_unique"
        ),
        migrations.RenameModel("Province", "Unit"),
        migrations.RenameField("assessment", "province", "unit"),
        migrations.RenameField("historicalassessment", "province", "unit"),
        migrations.RenameField("target", "province", "unit"),
        migrations.RenameField("editorassignment", "province", "unit"),
        migrations.AddField(
            model_name="unit",
            name="level",
            field=models.CharField(
                choices=[
                    ("province", "Cấp tỉnh"),
                    ("department", "Cấp sở, ban, ngành"),
                    ("commune", "Cấp xã (cấp huyện đến 2025)"),
                ],
                default="province",
                max_length=12,
                verbose_name="cấp",
            ),
        ),
        migrations.AddField(
            model_name="unit",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                help_text="Tỉnh, thành phố của một sở hoặc một xã; để trống với đơn vị cấp tỉnh.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="children",
                to="parindex.unit",
                verbose_name="thuộc tỉnh, thành phố",
            ),
        ),
        migrations.AlterField(
            model_name="unit", name="code", field=models.CharField(max_length=10, verbose_name="mã")
        ),
        migrations.AlterField(
            model_name="unit",
            name="region",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="units",
                to="parindex.region",
                verbose_name="vùng",
            ),
        ),
        # --- the indices -------------------------------------------------------------------------------
        migrations.CreateModel(
            name="Index",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.CharField(max_length=30, unique=True, verbose_name="mã")),
                ("short_name", models.CharField(max_length=40, verbose_name="tên viết tắt")),
                ("name_vi", models.CharField(max_length=300, verbose_name="tên")),
                ("name_en", models.CharField(blank=True, max_length=300, verbose_name="tên tiếng Anh")),
                ("publisher", models.CharField(blank=True, max_length=300, verbose_name="cơ quan công bố")),
                ("unit_level", models.CharField(max_length=12, verbose_name="cấp đơn vị được đánh giá")),
                ("value_kind", models.CharField(default="percent", max_length=10, verbose_name="cách đọc giá trị")),
                (
                    "max_value",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=6, null=True, verbose_name="điểm tối đa của chỉ số"
                    ),
                ),
                ("higher_is_better", models.BooleanField(default=True, verbose_name="giá trị cao hơn là tốt hơn")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="thứ tự")),
                ("source_url", models.URLField(blank=True, max_length=500, verbose_name="nguồn")),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="own_indices",
                        to="parindex.unit",
                        verbose_name="tỉnh, thành phố tổ chức đánh giá",
                    ),
                ),
            ],
            options={"ordering": ["order", "code"], "verbose_name": "chỉ số", "verbose_name_plural": "chỉ số"},
        ),
        *(
            migrations.AddField(
                model_name=model,
                name="index",
                field=models.ForeignKey(
                    null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="parindex.index"
                ),
            )
            for model in ("methodology", "edition", "publishedaverage", "target")
        ),
        migrations.AddField(
            model_name="historicaledition",
            name="index",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="parindex.index",
                verbose_name="chỉ số",
            ),
        ),
        # --- domains become the top of a tree of criteria ------------------------------------------------
        migrations.RemoveConstraint(model_name="domain", name="domain_number_unique"),
        migrations.RemoveConstraint(model_name="domain", name="domain_number_range"),
        migrations.RenameModel("Domain", "Criterion"),
        migrations.AddField(
            model_name="criterion",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="children",
                to="parindex.criterion",
                verbose_name="thuộc",
            ),
        ),
        migrations.AddField(
            model_name="criterion",
            name="level",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "Lĩnh vực"), (2, "Tiêu chí"), (3, "Tiêu chí thành phần")], default=1, verbose_name="cấp"
            ),
        ),
        migrations.AddField(
            model_name="criterion",
            name="code",
            field=models.CharField(default="", editable=False, max_length=20, verbose_name="mã"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="criterion",
            name="source_url",
            field=models.URLField(blank=True, max_length=500, verbose_name="nguồn của điểm tối đa"),
        ),
        migrations.AddField(
            model_name="criterion", name="note", field=models.TextField(blank=True, verbose_name="ghi chú")
        ),
        migrations.RunPython(criterion_codes, migrations.RunPython.noop),
        # --- domain scores become scores on a criterion, not applicable a flag ---------------------------
        migrations.RemoveConstraint(model_name="domainscore", name="domain_score_unique"),
        migrations.RemoveConstraint(model_name="domainscore", name="domain_score_points_not_negative"),
        migrations.RemoveConstraint(model_name="domainscore", name="domain_score_not_applicable_not_negative"),
        migrations.RenameModel("DomainScore", "Score"),
        migrations.RenameModel("HistoricalDomainScore", "HistoricalScore"),
        migrations.RenameField("score", "domain", "criterion"),
        migrations.RenameField("historicalscore", "domain", "criterion"),
        migrations.RenameField("score", "not_applicable", "not_applicable_points"),
        migrations.AddField(
            model_name="score",
            name="not_applicable",
            field=models.BooleanField(default=False, verbose_name="không áp dụng"),
        ),
        migrations.AlterField(
            model_name="score",
            name="points",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="điểm"),
        ),
        migrations.RunPython(not_applicable_flags, migrations.RunPython.noop),
        migrations.RemoveField(model_name="score", name="not_applicable_points"),
        migrations.RemoveField(model_name="historicalscore", name="not_applicable"),
        migrations.AddField(
            model_name="historicalscore",
            name="not_applicable",
            field=models.BooleanField(default=False, verbose_name="không áp dụng"),
        ),
        migrations.AlterField(
            model_name="historicalscore",
            name="points",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="điểm"),
        ),
        # --- every existing row is PAR INDEX -----------------------------------------------------------
        migrations.RemoveConstraint(model_name="edition", name="edition_year_kind_unique"),
        migrations.RemoveConstraint(model_name="publishedaverage", name="published_average_unique"),
        migrations.RemoveConstraint(model_name="publishedaverage", name="published_national_average_unique"),
        migrations.AlterField(
            model_name="methodology", name="code", field=models.CharField(max_length=50, verbose_name="mã")
        ),
        migrations.RunPython(create_par_index, migrations.RunPython.noop),
    ]
