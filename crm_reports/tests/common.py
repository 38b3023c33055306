from datetime import date, datetime

from freezegun import freeze_time

from odoo.addons.crm_lite.tests.common import CrmLiteCommon


class CrmReportsCommon(CrmLiteCommon):
    """The one test base of crm_reports: crm_lite's companies, users,
    pipelines and partners, plus helpers that write a deal's history on fixed
    days (``_deal_on``, ``_move_on``) and invoices paid on fixed days."""

    @classmethod
    def _deal_on(cls, when, **vals):
        """A deal created on ``when`` (a datetime or 'YYYY-MM-DD HH:MM')."""
        with freeze_time(when):
            return cls._create_deal(**vals)

    @classmethod
    def _move_on(cls, deal, stage, when):
        """Move ``deal`` to ``stage`` on ``when``; a lost stage is entered
        with a lost reason, as the wizard does."""
        with freeze_time(when):
            if stage.kind == "lost":
                deal.action_set_lost(cls.lost_reason.id, stage.id)
            else:
                deal.write({"stage_id": stage.id})
        return deal

    @classmethod
    def _paid_invoice(cls, partner, amount, invoice_date, paid_on=None, **values):
        """A posted invoice of ``amount`` dated ``invoice_date``, paid in
        full on ``paid_on`` when given."""
        invoice = cls._invoice_partner(partner, amount, date=invoice_date, **values)
        if paid_on:
            cls._pay(invoice, date=paid_on)
        return invoice

    def _read_totals(self, model, domain, groupby, aggregates, user=None):
        """``_read_group`` of a report as ``user`` (default: superuser),
        as a dict ``{group key: (aggregates...)}``."""
        env = self.env(user=user) if user else self.env
        groups = env[model]._read_group(domain, groupby, aggregates)
        return {group[: len(groupby)]: group[len(groupby) :] for group in groups}


def day(text):
    return date.fromisoformat(text)


def moment(text):
    return datetime.fromisoformat(text)
