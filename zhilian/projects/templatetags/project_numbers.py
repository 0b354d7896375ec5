"""Numbers of the project library as people write them (no exponent, money with two decimals)."""

from django import template

from .. import selectors

register = template.Library()


@register.filter
def plain_number(value):
    """40.0000 → 40, 0.50 → 0.5: a measured value without exponent or meaningless zeros."""
    return selectors.number(value)


@register.filter
def money(value):
    """An amount in 10k CNY with two decimals: 75.5 → 75.50."""
    return selectors.money(value)
