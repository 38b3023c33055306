from odoo import models
from odoo.tools import email_normalize


class MailComposeMessage(models.TransientModel):
    """A mailing to a CRM segment reaches each mailbox once."""

    _inherit = "mail.compose.message"

    def _process_mail_values_state(self, mail_values_dict):
        """Email Marketing skips a second e-mail to the same address only when
        its rendered content is the same; two contacts sharing an address
        ("bob@" and "BOB@") would get two personalised copies. A segment is a
        list of people to reach, each address once, as its preview counts."""
        mail_values_dict = super()._process_mail_values_state(mail_values_dict)
        if not self.mass_mailing_id.crm_segment_id:
            return mail_values_dict
        recipients = self._get_recipients_data(mail_values_dict)
        # Addresses reached by earlier batches of the same mailing, whatever
        # their case (traces keep the address as typed).
        reached = {
            email_normalize(email)
            for email in self.mass_mailing_id._get_seen_list()
            if email_normalize(email)
        }
        for record_id in sorted(mail_values_dict):
            values = mail_values_dict[record_id]
            if values.get("state") == "cancel":
                continue
            addresses = set(recipients[record_id]["mail_to_normalized"])
            if addresses and addresses <= reached:
                values.update(state="cancel", failure_type="mail_dup")
            reached |= addresses
        return mail_values_dict
