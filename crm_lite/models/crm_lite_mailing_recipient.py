from werkzeug.urls import url_encode

from odoo import fields, models, tools

UNSUBSCRIBE_SCOPE = "crm_lite-mailing-unsubscribe"

RECIPIENT_STATES = [
    ("pending", "To Send"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]


class CrmLiteMailingRecipient(models.Model):
    """One partner of a mailing's segment, frozen when the mailing starts."""

    _name = "crm.lite.mailing.recipient"
    _description = "Mailing Recipient"
    _order = "id"
    _rec_name = "email"

    mailing_id = fields.Many2one(
        "crm.lite.mailing", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", index=True, ondelete="set null")
    email = fields.Char()
    email_normalized = fields.Char(index=True)
    state = fields.Selection(
        RECIPIENT_STATES, required=True, default="pending", index=True
    )
    reason = fields.Char(help="Why the e-mail was skipped or failed.")
    mail_mail_id_int = fields.Integer(
        "Mail ID",
        index="btree_not_null",
        help="The queued e-mail (kept after it is sent).",
    )
    sent_date = fields.Datetime()

    _sql_constraints = [
        (
            "mailing_partner_uniq",
            "unique (mailing_id, partner_id)",
            "A partner is a recipient of a mailing only once.",
        ),
    ]

    def _get_unsubscribe_token(self):
        self.ensure_one()
        # sudo: the signing key is a system parameter no user reads directly.
        return tools.hmac(
            self.env(su=True), UNSUBSCRIBE_SCOPE, (self.id, self.email_normalized or "")
        )

    def _get_unsubscribe_url(self):
        self.ensure_one()
        params = url_encode(
            {"recipient": self.id, "token": self._get_unsubscribe_token()}
        )
        return f"{self.mailing_id.get_base_url()}/crm_lite/unsubscribe?{params}"

    def _check_unsubscribe_token(self, token):
        self.ensure_one()
        return bool(token) and tools.consteq(self._get_unsubscribe_token(), str(token))
