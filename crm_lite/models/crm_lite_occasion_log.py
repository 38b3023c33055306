from odoo import fields, models


class CrmLiteOccasionLog(models.Model):
    """One greeting per partner, occasion and year: what was done, and the
    guard against greeting twice."""

    _name = "crm.lite.occasion.log"
    _description = "Greeting Sent"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    occasion_id = fields.Many2one(
        "crm.lite.occasion", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, ondelete="cascade"
    )
    year = fields.Integer(required=True)
    date = fields.Date(required=True)
    state = fields.Selection(
        [
            ("sent", "E-mail Sent"),
            ("planned", "Activity Planned"),
            ("skipped", "Skipped"),
        ],
        required=True,
    )
    note = fields.Char()

    _sql_constraints = [
        (
            "occasion_partner_year_uniq",
            "unique (occasion_id, partner_id, year)",
            "A partner is greeted once per occasion and year.",
        ),
    ]
