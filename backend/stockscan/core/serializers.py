import re
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import ISO_8601, api_settings

from stockscan.core.errors import NotFound


@extend_schema_field(OpenApiTypes.INT)
class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a tenant-owned row by id. The queryset is built when the value is
    validated, inside the request's tenant scope, so another tenant's id reads as unknown.

    An id that names no row of the tenant (unknown, or another tenant's) is the API's 404, as
    in a URL, with the field named; a value that is no id at all stays a field error (400).

    `restrict(queryset, request)` narrows the rows further to those the requester may see
    (a member limited to one service sees that service's rows only): a row outside it is
    then a 404 too, as it is in a URL. The serializer needs the request in its context."""

    def __init__(self, model, *, restrict=None, **kwargs):
        self.model = model
        self.restrict = restrict
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = self.model.objects.all()
        if self.restrict is not None:
            queryset = self.restrict(queryset, self.context["request"])
        return queryset

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if exc.get_codes() != ["does_not_exist"]:
                raise
            raise NotFound(fields={self.field_name: [str(NotFound.default_detail)]}) from None


def _is_fixed_decimal(field) -> bool:
    """A decimal DRF writes as a string with its fixed number of decimal places."""
    return (
        isinstance(field, serializers.DecimalField)
        and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
        and not field.localize
        and not field.normalize_output
        and field.decimal_places is not None
    )


def _is_iso_datetime(field) -> bool:
    return (
        isinstance(field, serializers.DateTimeField)
        and getattr(field, "format", api_settings.DATETIME_FORMAT) == ISO_8601
        and not hasattr(field, "timezone")
    )


def _is_iso_date(field) -> bool:
    return isinstance(field, serializers.DateField) and getattr(field, "format", api_settings.DATE_FORMAT) == ISO_8601


def _formatter(field):
    """How the row's value of `field` becomes JSON: what `field.to_representation` does,
    written out for the common types because it runs for every cell of a page (DRF's own
    path re-reads settings and the time zone for each value)."""
    if isinstance(field, serializers.RelatedField):
        return lambda value, tz: value  # the row holds the id the field would show
    if _is_fixed_decimal(field):
        exponent, rounding = Decimal(1).scaleb(-field.decimal_places), field.rounding
        return lambda value, tz: format(value.quantize(exponent, rounding=rounding), "f")
    if _is_iso_datetime(field):
        return _iso_datetime
    if _is_iso_date(field):
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

    On PostgreSQL the database can also write each row's JSON itself (`json_rows`), which
    spares Python the parsing, formatting and encoding of every cell of a large page. Each
    field is then written by an SQL expression that gives DRF's text (`_database_expression`);
    computed fields give theirs in `database`. A serializer with a field that has no such
    expression is serialized in Python only. The month of 1,000 items meets its time only this
    way (README, Benchmarks: 2.2 to 2.4 times the floor in Python, 0.9 in PostgreSQL).
    """

    def __init__(
        self,
        serializer_class,
        *,
        computed: dict | None = None,
        needs: tuple[str, ...] = (),
        database: dict | None = None,
    ):
        fields = serializer_class().fields
        self.computed = computed or {}
        database = database or {}
        for given in (self.computed, database):
            unknown = set(given) - set(fields)
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
        # name -> a function of the time zone name giving the field's SQL expression, or None
        # when some field cannot be written by the database.
        model = serializer_class.Meta.model
        writers = {}
        for name, field in fields.items():
            if name in self.computed:
                writer = _same_in_every_zone(database[name]) if name in database else None
            else:
                path = field.source.replace(".", "__")
                writer = _database_expression(field, path, _model_field(model, path))
            if writer is None:
                writers = None
                break
            writers[name] = writer
        self.database_writers = writers
        self._documents = {}  # time zone -> the JSON expression (unresolved: reusable)

    def rows(self, queryset, *extra: str):
        """The `.values()` rows to serialize, with the `extra` columns the caller reads."""
        return queryset.values(*self.paths, *extra)

    def renders_in_database(self, using: str) -> bool:
        return self.database_writers is not None and connections[using].vendor == "postgresql"

    def json_rows(self, queryset, *extra: str):
        """The rows of `queryset` as JSON texts written by PostgreSQL, one per row; with
        `extra` columns, (text, *extra) tuples."""
        if not self.renders_in_database(queryset.db):
            raise ValueError("Only PostgreSQL writes the rows' JSON, and only for fields it can write.")
        zone = timezone.get_current_timezone_name()
        document = self._documents.get(zone)
        if document is None:
            document = JsonObjectText({name: writer(zone) for name, writer in self.database_writers.items()})
            self._documents[zone] = document
        return queryset.annotate(row_json=document).values_list("row_json", *extra, flat=not extra)

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


# --- The same JSON, written by PostgreSQL -----------------------------------------------

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ZONE = re.compile(r"^[A-Za-z0-9_+\-/]+$")


class JsonObjectText(models.Func):
    """`json_build_object(...)::text`, keys in the given order (jsonb would sort them)."""

    output_field = models.TextField()

    def __init__(self, fields: dict):
        if not all(_NAME.match(name) for name in fields):
            raise ValueError("JSON keys are field names.")
        self.keys = list(fields)
        super().__init__(*fields.values())

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for key, expression in zip(self.keys, self.source_expressions, strict=True):
            sql, expression_params = compiler.compile(expression)
            # Keys are literals, not parameters: a parameter's type would be unknown to a
            # server-side prepared statement.
            parts.append(f"'{key}', {sql}")
            params.extend(expression_params)
        return f"json_build_object({', '.join(parts)})::text", params


class Text(models.Func):
    """PostgreSQL `(value)::text`: `Cast(value, TextField())` without the field's database
    type looked up on each compilation (this runs for many cells of a page's SQL)."""

    output_field = models.TextField()

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql})::text", params


class RoundedText(models.Func):
    """PostgreSQL `round(value, places)::text`: numeric rounding, ties away from zero (as
    ROUND_HALF_UP), the places written into the SQL."""

    output_field = models.TextField()

    def __init__(self, expression, places: int):
        self.places = int(places)
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(round({sql}, {self.places}))::text", params


class ToChar(models.Func):
    """PostgreSQL `to_char(value, 'format')`, the format written into the SQL."""

    output_field = models.TextField()

    def __init__(self, expression, pattern: str):
        if "'" in pattern or "%" in pattern:
            raise ValueError("A to_char pattern has no quote or percent sign.")
        self.pattern = pattern
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char({sql}, '{self.pattern}')", params


class IsoDateTimeText(models.Func):
    """PostgreSQL: a timestamp as DRF writes it, Python's `isoformat()` in the time zone
    `zone` — no fraction when the microseconds are zero, the offset as ±HH:MM, and 'Z' for a
    zero offset. The offset is computed per row: it changes with summer time."""

    output_field = models.TextField()

    def __init__(self, expression, zone: str):
        if not _ZONE.match(zone):
            raise ValueError(f"Not a time zone name: {zone!r}")
        self.zone = zone
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        if params:
            raise ValueError("IsoDateTimeText formats a column.")
        local = f"({column} AT TIME ZONE '{self.zone}')"
        offset = f"({local} - ({column} AT TIME ZONE 'UTC'))"
        # The date is never '.000000', so removing it drops only a zero fraction.
        sql = f"(replace(to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || {iso_offset_sql(offset)})"
        return sql, []


def iso_offset_sql(interval: str) -> str:
    """PostgreSQL: a UTC offset (an interval of whole minutes) as isoformat() writes it,
    ±HH:MM, or 'Z' for zero. The interval is written once in the SQL (each time-zone
    conversion in it costs): to_char writes a negative one as '-02:-30', or '00:-30' under
    an hour, and a leading '+' is turned into the sign: '+-02:-30' and '+00:-30' give
    '-02:30' and '-00:30'."""
    text = f"'+' || to_char({interval}, 'HH24:MI')"
    for written, meant in (("+-", "-"), ("+00:-", "-00:"), (":-", ":"), ("+00:00", "Z")):
        text = f"replace({text}, '{written}', '{meant}')"
    return text


def _same_in_every_zone(expression):
    return lambda zone: expression


def _model_field(model, path: str):
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except (AttributeError, FieldDoesNotExist):  # no model, or not a model path
            return None
        model = field.related_model
    return field


def _database_expression(field, path: str, model_field):
    """A function of the time zone name giving the SQL expression that writes `field` as
    its `to_representation` would (see `_formatter`), or None when there is none."""
    column = models.F(path)
    if isinstance(field, serializers.RelatedField):
        return lambda zone: column
    if _is_fixed_decimal(field):
        if getattr(model_field, "decimal_places", None) == field.decimal_places:
            # numeric(p, s)::text already has exactly s decimals.
            return lambda zone: Text(column)
        if field.rounding == ROUND_HALF_UP and isinstance(model_field, models.DecimalField):
            # PostgreSQL's round() of a numeric takes ties away from zero, as ROUND_HALF_UP
            # does; DRF's default (half even) has no SQL twin.
            return lambda zone: RoundedText(column, field.decimal_places)
        return None
    if _is_iso_datetime(field) and settings.USE_TZ:
        return lambda zone: IsoDateTimeText(column, zone)
    if _is_iso_date(field):
        return lambda zone: ToChar(column, "YYYY-MM-DD")
    if type(field) in (serializers.ChoiceField, serializers.IntegerField, serializers.BooleanField):
        return lambda zone: column
    if type(field) is serializers.BigIntegerField:
        if getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING):
            return lambda zone: Text(column)
        return lambda zone: column
    if type(field) is serializers.CharField:
        if isinstance(model_field, models.CharField | models.TextField):
            return lambda zone: column
        return lambda zone: Text(column)
    return None
