from datetime import timedelta

from odoo import api, fields, models


class CrmLoyaltyDemo(models.AbstractModel):
    """Demo only: helpers called by demo/crm_loyalty_demo.xml to give the demo
    customers invoices with loyalty programs applied, payments and points
    history. Nothing else uses this model."""

    _name = "crm.loyalty.demo"
    _description = "CRM Loyalty Demo Data Helper"

    @api.model
    def _setup_liability(self):
        """Demo only: the main company books its points liability, on two new
        accounts and a miscellaneous journal."""
        company = self.env.ref("base.main_company")
        if not company.chart_template or company._loyalty_booking_enabled():
            return
        Account = self.env["account.account"].with_company(company)
        liability = Account.create(
            {
                "name": "Loyalty points owed to customers",
                "code": "LOY100",
                "account_type": "liability_current",
            }
        )
        expense = Account.create(
            {
                "name": "Loyalty programs",
                "code": "LOY600",
                "account_type": "expense",
            }
        )
        journal = self.env["account.journal"].create(
            {
                "name": "Loyalty Points",
                "code": "LOYP",
                "type": "general",
                "company_id": company.id,
            }
        )
        company.write(
            {
                "loyalty_liability_account_id": liability.id,
                "loyalty_expense_account_id": expense.id,
                "loyalty_journal_id": journal.id,
            }
        )

    @api.model
    def _invoice(
        self, partner_xmlid, lines, days_ago=0, code=None, pay=True, redeem=None
    ):
        """Demo only: a customer invoice of ``lines`` (``[(product xmlid,
        quantity, price)]``) with the loyalty programs applied, posted and, when
        ``pay``, paid; ``code`` is entered, ``redeem`` points are redeemed."""
        partner = self.env.ref(partner_xmlid)
        date = fields.Date.today() - timedelta(days=days_ago)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.env.ref(product).id,
                            "quantity": quantity,
                            "price_unit": price,
                        },
                    )
                    for product, quantity, price in lines
                ],
            }
        )
        invoice.action_loyalty_update()
        if code:
            status = invoice._try_apply_code(code)
            for coupon, rewards in status.items() if "error" not in status else ():
                invoice._apply_program_reward(rewards[:1], coupon)
        if redeem:
            for coupon, rewards in invoice._get_claimable_rewards().items():
                per_point = rewards.filtered(lambda r: r.discount_mode == "per_point")
                if per_point:
                    invoice._apply_program_reward(per_point[:1], coupon, points=redeem)
        invoice.action_post()
        if pay:
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": date})._create_payments()
        return invoice.id
