"""Areas, the month's checklist, a line's identity (counting it again sets it) and costs frozen
only by the closing.

Before the identity constraint, the lines that share an identity in a month (they were added
up until now) are merged into the first one, their quantities summed, so that no month's
stock changes. Then the costs copied on the lines of open months are removed: an open month
is valued at the products' current costs (`inventory.selectors.valuation`).
"""

import datetime
import django.db.models.deletion
import django.db.models.functions.comparison
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, F


def merge_lines_of_one_identity(apps, schema_editor):
    # Foreign keys checked at once, so that no check waits for the commit while the constraints
    # below alter the table (PostgreSQL refuses ALTER TABLE with pending trigger events).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    CountLine = apps.get_model("inventory", "CountLine")
    StockCount = apps.get_model("inventory", "StockCount")
    identity = ("count_id", "product_id", "container_state", "lot", "expiry_date")
    duplicated = (
        CountLine.objects.values(*identity).annotate(lines=Count("id")).filter(lines__gt=1).order_by()
    )
    for key in duplicated:
        lines = list(CountLine.objects.filter(**{name: key[name] for name in identity}).order_by("id"))
        kept, merged = lines[0], lines[1:]
        if kept.container_state == "OPENED":
            kept.remaining_quantity = sum(_left(line) for line in lines)
            kept.remaining_fraction = None
        kept.quantity = sum(line.quantity for line in lines)
        kept.save(update_fields=["quantity", "remaining_quantity", "remaining_fraction"])
        CountLine.objects.filter(pk__in=[line.pk for line in merged]).delete()
        StockCount.objects.filter(pk=kept.count_id).update(line_count=F("line_count") - len(merged))


def _left(line):
    """What an opened line holds (inventory.selectors.listing.EFFECTIVE_QUANTITY)."""
    if line.remaining_fraction is not None:
        return line.quantity * line.remaining_fraction
    if line.remaining_quantity is not None:
        return line.remaining_quantity
    return line.quantity


def unfreeze_costs_of_open_months(apps, schema_editor):
    CountLine = apps.get_model("inventory", "CountLine")
    CountLine.objects.filter(count__status="open").update(unit_cost=None, unit_price=None)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0005_stockcount_line_count'),
        ('orgs', '0005_tenant_settings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CountLineWrite',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('client_id', models.CharField(max_length=64)),
                ('request', models.JSONField(help_text='What the write asked, to tell a retry from a reused key.')),
            ],
            options={
                'verbose_name': 'count line write',
                'verbose_name_plural': 'count line writes',
            },
        ),
        migrations.AddField(
            model_name='countline',
            name='estimated',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='product',
            name='position',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='stockcount',
            name='uncounted',
            field=models.CharField(blank=True, choices=[('zero', 'None left'), ('expected', 'As last month')], max_length=8),
        ),
        migrations.CreateModel(
            name='Area',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('name', models.CharField(max_length=120, verbose_name='name')),
                ('position', models.PositiveIntegerField(default=0)),
                ('service', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='areas', to='orgs.service')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.tenant')),
            ],
            options={
                'verbose_name': 'area',
                'verbose_name_plural': 'areas',
                'ordering': ['position', 'id'],
            },
        ),
        migrations.AddField(
            model_name='countline',
            name='area',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='count_lines', to='inventory.area'),
        ),
        migrations.AddField(
            model_name='product',
            name='default_area',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='products', to='inventory.area'),
        ),
        migrations.RunPython(merge_lines_of_one_identity, migrations.RunPython.noop),
        migrations.RunPython(unfreeze_costs_of_open_months, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='countline',
            constraint=models.UniqueConstraint(models.F('count'), models.F('product'), django.db.models.functions.comparison.Coalesce('area', models.Value(0), output_field=models.BigIntegerField()), models.F('container_state'), models.F('lot'), django.db.models.functions.comparison.Coalesce('expiry_date', models.Value(datetime.date(1, 1, 1))), name='inventory_line_identity'),
        ),
        migrations.AddField(
            model_name='countlinewrite',
            name='count',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='inventory.stockcount'),
        ),
        migrations.AddField(
            model_name='countlinewrite',
            name='line',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='inventory.countline'),
        ),
        migrations.AddField(
            model_name='countlinewrite',
            name='tenant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgs.tenant'),
        ),
        migrations.AddConstraint(
            model_name='area',
            constraint=models.UniqueConstraint(models.F('service'), django.db.models.functions.text.Lower('name'), name='inventory_area_unique_name_per_service'),
        ),
        migrations.AddConstraint(
            model_name='countlinewrite',
            constraint=models.UniqueConstraint(fields=('count', 'client_id'), name='inventory_line_write_once'),
        ),
    ]
