from random import randint

from odoo import fields, models


class CrmLiteTag(models.Model):
    _name = "crm.lite.tag"
    _description = "Deal Tag"
    _order = "name"

    def _default_color(self):
        return randint(1, 11)

    name = fields.Char(required=True, translate=True)
    color = fields.Integer(default=lambda self: self._default_color())

    _sql_constraints = [
        ("name_uniq", "unique (name)", "A tag with this name already exists."),
    ]
