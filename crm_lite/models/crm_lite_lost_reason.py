from odoo import api, fields, models

from .tools import NAME_MAX_LENGTH, check_input


class CrmLiteLostReason(models.Model):
    _name = "crm.lite.lost.reason"
    _description = "Deal Lost Reason"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list, char_limits={"name": NAME_MAX_LENGTH})
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals], char_limits={"name": NAME_MAX_LENGTH})
        return super().write(vals)
