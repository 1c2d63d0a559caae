from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def count_existing_lines(apps, schema_editor):
    StockCount = apps.get_model("inventory", "StockCount")
    CountLine = apps.get_model("inventory", "CountLine")
    lines = (
        CountLine._base_manager.filter(count=OuterRef("pk"))
        .order_by()
        .values("count")
        .annotate(total=Count("pk"))
        .values("total")
    )
    StockCount._base_manager.update(line_count=Coalesce(Subquery(lines), Value(0)))


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0004_countline_order_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="stockcount",
            name="line_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_existing_lines, migrations.RunPython.noop, elidable=True),
    ]
