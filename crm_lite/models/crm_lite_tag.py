from random import randint

from odoo import api, fields, models

from .tools import NAME_MAX_LENGTH, check_input


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

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"name": NAME_MAX_LENGTH})
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], char_limits={"name": NAME_MAX_LENGTH})
        return super().write(vals)
