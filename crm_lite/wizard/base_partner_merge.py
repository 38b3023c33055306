from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Merging contacts keeps one mailing recipient and one greeting per
    merged contact, where the unique constraints would otherwise stop Odoo's
    foreign-key rewiring."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        self._merge_crm_lite_unique_rows(src_partners, dst_partner)
        return super()._update_foreign_keys(src_partners, dst_partner)

    def _merge_crm_lite_unique_rows(self, src_partners, dst_partner):
        # sudo: the merge wizard itself is restricted to partner managers; the
        # rows removed are duplicates of rows the kept contact already has.
        partners = src_partners | dst_partner
        for model, key in (
            ("crm.lite.mailing.recipient", "mailing_id"),
            ("crm.lite.occasion.log", "occasion_id"),
        ):
            rows = self.env[model].sudo().search([("partner_id", "in", partners.ids)])
            kept_keys = set()
            duplicates = self.env[model].sudo()
            # The kept contact's own rows win, then the oldest ones.
            for row in rows.sorted(lambda r: (r.partner_id != dst_partner, r.id)):
                row_key = (
                    (row[key].id, row.year)
                    if model == "crm.lite.occasion.log"
                    else row[key].id
                )
                if row_key in kept_keys:
                    duplicates |= row
                else:
                    kept_keys.add(row_key)
            duplicates.unlink()
