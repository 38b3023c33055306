from odoo import http
from odoo.http import request


class CrmLiteUnsubscribe(http.Controller):
    """One-click unsubscribe from CRM Lite mailings.

    GET shows the result page, POST answers mail clients that implement
    RFC 8058 (List-Unsubscribe-Post). Both put the address on Odoo's
    blacklist; a token that does not match the recipient is refused.
    """

    @http.route(
        "/crm_lite/unsubscribe",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
    )
    def unsubscribe(self, recipient=None, token=None, **_kwargs):
        try:
            recipient_id = int(recipient)
        except (TypeError, ValueError):
            recipient_id = 0
        # sudo: a public visitor proves who they are with the signed token.
        recipient_sudo = (
            request.env["crm.lite.mailing.recipient"]
            .sudo()
            .browse(recipient_id)
            .exists()
        )
        if not recipient_sudo or not recipient_sudo._check_unsubscribe_token(token):
            return request.render(
                "crm_lite.unsubscribe_page", {"email": False}, status=403
            )
        email = recipient_sudo.email_normalized
        request.env["mail.blacklist"].sudo()._add(
            email,
            message=request.env._(
                "Unsubscribed through mailing %(mailing)s.",
                mailing=recipient_sudo.mailing_id.name,
            ),
        )
        return request.render("crm_lite.unsubscribe_page", {"email": email})
