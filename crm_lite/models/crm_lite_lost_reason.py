from odoo import fields, models


class CrmLiteLostReason(models.Model):
    _name = "crm.lite.lost.reason"
    _description = "Deal Lost Reason"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
