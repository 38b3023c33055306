from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Merging contacts keeps one greeting per occasion and year for the
    merged contact, where the unique constraint would otherwise stop Odoo's
    foreign-key rewiring."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        self._merge_crm_lite_greetings(src_partners, dst_partner)
        return super()._update_foreign_keys(src_partners, dst_partner)

    def _merge_crm_lite_greetings(self, src_partners, dst_partner):
        # sudo: the merge wizard itself is restricted to partner managers; the
        # rows removed are duplicates of rows the kept contact already has.
        logs = (
            self.env["crm.lite.occasion.log"]
            .sudo()
            .search([("partner_id", "in", (src_partners | dst_partner).ids)])
        )
        kept_keys = set()
        duplicates = logs.browse()
        # The kept contact's own rows win, then the oldest ones.
        for log in logs.sorted(lambda r: (r.partner_id != dst_partner, r.id)):
            key = (log.occasion_id.id, log.year)
            if key in kept_keys:
                duplicates |= log
            else:
                kept_keys.add(key)
        duplicates.unlink()
