from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import ISO_8601, api_settings


@extend_schema_field(OpenApiTypes.INT)
class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a tenant-owned row by id. The queryset is built when the value is
    validated, inside the request's tenant scope, so another tenant's id reads as unknown."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()


def _as_is(value):
    return value


def _formatter(field):
    """How the row's value of `field` becomes JSON: what `field.to_representation` does,
    written out for the common types because it runs for every cell of a page (DRF's own
    path re-reads settings and the time zone for each value)."""
    if isinstance(field, serializers.RelatedField):
        return lambda value, tz: value  # the row holds the id the field would show
    if (
        isinstance(field, serializers.DecimalField)
        and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.localize
        and not field.normalize_output
        and field.decimal_places is not None
    ):
        exponent, rounding = Decimal(1).scaleb(-field.decimal_places), field.rounding
        return lambda value, tz: format(value.quantize(exponent, rounding=rounding), "f")
    if (
        isinstance(field, serializers.DateTimeField)
        and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
        and not hasattr(field, "timezone")
    ):
        return _iso_datetime
    if isinstance(field, serializers.DateField) and getattr(field, "format", api_settings.DATE_FORMAT) == ISO_8601:
        return lambda value, tz: value.isoformat()
    if type(field) in (serializers.ChoiceField, serializers.IntegerField, serializers.BooleanField):
        return lambda value, tz: value
    if type(field) is serializers.CharField:
        return lambda value, tz: str(value)
    return lambda value, tz: field.to_representation(value)


def _iso_datetime(value, tz):
    text = value.astimezone(tz).isoformat() if tz is not None else value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class RowSerializer:
    """Serializes `.values()` rows with a ModelSerializer's own fields: the same JSON the
    serializer gives for model instances (tests compare them), without building a model
    instance per joined row. Used where a list page costs more in object building than in
    the database.

    `computed` gives the fields the row cannot hold as is (a formatted month, an amount): a
    function of the row, reading the extra `.values()` paths listed in `needs`.
    """

    def __init__(self, serializer_class, *, computed: dict | None = None, needs: tuple[str, ...] = ()):
        fields = serializer_class().fields
        self.computed = computed or {}
        unknown = set(self.computed) - set(fields)
        if unknown:
            raise ValueError(f"{serializer_class.__name__} declares no field {', '.join(sorted(unknown))}.")
        # name -> (values() path, formatter)
        self.columns = {
            name: (field.source.replace(".", "__"), _formatter(field))
            for name, field in fields.items()
            if name not in self.computed
        }
        self.fields = list(fields)
        self.paths = tuple(dict.fromkeys([path for path, _ in self.columns.values()] + list(needs)))

    def rows(self, queryset):
        return queryset.values(*self.paths)

    def to_representation(self, row: dict, tz=None) -> dict:
        if tz is None:
            tz = _current_timezone()
        columns, computed = self.columns, self.computed
        data = {}
        for name in self.fields:
            if name in computed:
                data[name] = computed[name](row)
            else:
                path, represent = columns[name]
                value = row[path]
                data[name] = None if value is None else represent(value, tz)
        return data

    def many(self, rows) -> list[dict]:
        tz = _current_timezone()
        return [self.to_representation(row, tz) for row in rows]


def _current_timezone():
    return timezone.get_current_timezone() if settings.USE_TZ else None
