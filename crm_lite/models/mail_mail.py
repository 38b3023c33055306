from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        """A mailing e-mail the server refused marks its recipient as failed."""
        if failure_type:
            # sudo: the mail queue runs for every user; recipients are
            # readable by marketing administrators only.
            recipients = (
                self.env["crm.lite.mailing.recipient"]
                .sudo()
                .search([("mail_mail_id_int", "in", self.ids), ("state", "=", "sent")])
            )
            for recipient in recipients:
                mail = self.filtered(lambda m, r=recipient: m.id == r.mail_mail_id_int)
                recipient.write(
                    {
                        "state": "failed",
                        "reason": (
                            failure_reason or mail.failure_reason or failure_type
                        )[:250],
                    }
                )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
