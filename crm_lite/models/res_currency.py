from odoo import api, fields, models


class ResCurrency(models.Model):
    _inherit = "res.currency"

    @api.model
    def _crm_sum_in_company_currency(self, amounts, date=None):
        """Add up amounts kept in the currencies of several companies.

        The one rule of the suite for figures that span companies (campaign
        results, a client's payments): each company's amount is converted to
        the currency of the current company (``self.env.company``) at the
        rate of ``date`` (today by default), then added.

        :param amounts: iterable of ``(res.company record or id, amount)``
        :return: float in ``self.env.company.currency_id``
        """
        company = self.env.company
        target = company.currency_id
        date = date or fields.Date.context_today(self)
        total = 0.0
        for source_company, amount in amounts:
            if not amount:
                continue
            if isinstance(source_company, int):
                source_company = self.env["res.company"].browse(source_company)
            source = source_company.currency_id or target
            total += source._convert(amount, target, company, date, round=False)
        return target.round(total)
