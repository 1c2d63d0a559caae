"""What a count line holds in its product's unit, as a database expression (the one every
read that adds lines up uses: the month's lines, the checklist, stats, alerts, exports)."""

from django.db.models import Case, DecimalField, ExpressionWrapper, F, When

from stockscan.inventory.models import ContainerState


def effective_quantity(prefix: str = "") -> Case:
    """What a line holds in the product's unit: a sealed line its quantity; an opened one the
    fraction left of each container, or the quantity left. `prefix`: the path to the line
    from the queried model ("lines__" from a product)."""
    return Case(
        When(
            **{f"{prefix}container_state": ContainerState.OPENED, f"{prefix}remaining_fraction__isnull": False},
            then=ExpressionWrapper(
                F(f"{prefix}quantity") * F(f"{prefix}remaining_fraction"),
                output_field=DecimalField(max_digits=20, decimal_places=6),
            ),
        ),
        When(
            **{f"{prefix}container_state": ContainerState.OPENED, f"{prefix}remaining_quantity__isnull": False},
            then=F(f"{prefix}remaining_quantity"),
        ),
        default=F(f"{prefix}quantity"),
        output_field=DecimalField(max_digits=20, decimal_places=6),
    )


EFFECTIVE_QUANTITY = effective_quantity()
