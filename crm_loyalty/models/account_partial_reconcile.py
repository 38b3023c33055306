from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        # A payment undone: the points its invoices earned go back.
        invoices = (self.debit_move_id | self.credit_move_id).move_id.filtered(
            lambda m: m.move_type == "out_invoice" and m.coupon_point_ids
        )
        result = super().unlink()
        invoices.exists()._loyalty_sync_points("unreconcile")
        return result
