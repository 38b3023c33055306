"""Checks of what users type in, shared by the CRM Lite models.

Each model calls ``check_input`` first thing in ``create`` and ``write``, on the
values as the user sent them, before it adds values of its own.
"""

import math

from odoo.exceptions import AccessError, ValidationError

# Far beyond any real deal or cost, and within what rounding to a currency and
# PostgreSQL's numeric columns handle without overflowing.
AMOUNT_MAX = 1e15
NAME_MAX_LENGTH = 256


def check_input(records, vals_list, char_limits=None, protected=()):
    """Refuse values no user may send, with a clear message.

    :param records: an empty or non-empty recordset of the model written
    :param list vals_list: the values of ``create`` (or ``[vals]`` of ``write``)
    :param dict char_limits: ``{field name: maximum length}``
    :param protected: fields only the application writes (figures from
        accounting, dates of stage moves...): refused unless in superuser mode
    """
    env = records.env
    char_limits = char_limits or {}
    for vals in vals_list:
        if protected and not env.su:
            refused = sorted(set(protected) & set(vals))
            if refused:
                raise AccessError(
                    env._(
                        "%(fields)s cannot be set by hand: the application "
                        "computes them from stage moves and accounting.",
                        fields=", ".join(
                            records._fields[name]._description_string(env)
                            for name in refused
                        ),
                    )
                )
        for name, value in vals.items():
            field = records._fields.get(name)
            if field is None:
                continue
            if field.type in ("float", "monetary") and _is_number(value):
                if not math.isfinite(value) or abs(value) > AMOUNT_MAX:
                    raise ValidationError(
                        env._(
                            "%(field)s must be a number between -%(max)s and %(max)s.",
                            field=field._description_string(env),
                            max=f"{AMOUNT_MAX:,.0f}",
                        )
                    )
            elif name in char_limits and isinstance(value, str):
                if len(value) > char_limits[name]:
                    raise ValidationError(
                        env._(
                            "%(field)s is too long: %(length)s characters, at "
                            "most %(max)s.",
                            field=field._description_string(env),
                            length=len(value),
                            max=char_limits[name],
                        )
                    )


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_companies_allowed(records):
    """After a write: the records stay in the companies the user works in.

    Record rules check a record's company before it is written, not after;
    creating a record in another company is refused by them, moving one there
    must be refused too.
    """
    env = records.env
    if env.su:
        return
    if any(
        record.company_id and record.company_id not in env.companies
        for record in records
    ):
        raise AccessError(
            env._("You can only move records to the companies you are working in.")
        )
