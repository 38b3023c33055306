# Copyright 2026 CRM Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo import Command

from odoo.addons.crm_loyalty.tests.common import CrmLoyaltyCommon


def day(text):
    return date.fromisoformat(text)


class CrmReportsLoyaltyCommon(CrmLoyaltyCommon):
    """The one test base of crm_reports_loyalty, on crm_loyalty's (programs,
    cards, tags, customers ``customer`` and ``vip``) and so on crm_lite's
    (two companies in two currencies, users of each role, invoices paid
    through accounting's wizards).

    Customers paid on fixed days, seen on 31 December 2025, before any program
    existed (no discount changes the amounts counted by hand):

    ====================  =========================================  ============
    Customer (company)    Paid (date)                                 Tier
    ====================  =========================================  ============
    customer (1)          250 (Jun 2024), 200 (Jun 2025)              Silver
    vip, tagged VIP (1)   700 (Mar 2024), 400 (May 2025)              Platinum
    organization (1)      350 invoiced to its contact (Oct 2025)      Gold
    other_customer (1)    500 (Nov 2025), credit note of 250          Silver
    late_payer (1)        400 invoiced Dec 2024, paid Jan 2025        Gold
    customer (2)          600 in the second currency (Sep 2025)       Second Gold
    ====================  =========================================  ============

    Tiers of the first company: Silver (100, ever), Gold (300 over 12
    months), Platinum (1000 ever, VIP only); of the second: Second Gold (500
    ever). Cards: ``points`` (first company, points valid 12 months),
    ``club`` (no company), ``points_co2`` (second company), an archived
    program and a coupon program whose cards never count.

    ======================  ===============================  =======  =======
    Customer                Cards                            Co. 1    Co. 2
    ======================  ===============================  =======  =======
    customer                points 50, club 5, co2 70,       55       75
                            archived 1000
    organization            points 20, its contact's 30,     60       —
                            club 10
    vip                     a coupon (1 point)               0        —
    ======================  ===============================  =======  =======

    Points of ``points`` were given on 1 March 2025 (customer) and 1 June
    2025 (organization and its contact): they expire a year later.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.late_payer = cls.env["res.partner"].create(
            {"name": "Laura Late", "is_company": True}
        )
        cls.customer.user_id = cls.user_sales_1
        cls.organization.user_id = cls.user_sales_2
        pay = cls._paid_invoice
        pay(cls.customer, 250, "2024-06-01", "2024-06-10")
        pay(cls.customer, 200, "2025-06-01", "2025-06-10")
        pay(cls.vip, 700, "2024-03-01", "2024-03-10")
        pay(cls.vip, 400, "2025-05-01", "2025-05-10")
        pay(cls.contact, 350, "2025-10-01", "2025-10-15")
        refunded = pay(cls.other_customer, 500, "2025-11-01", "2025-11-10")
        cls._credit_note(refunded, amount=250, date=day("2025-12-01"))
        pay(cls.late_payer, 400, "2024-12-15", "2025-01-10")
        pay(cls.customer, 600, "2025-09-01", "2025-09-05", company=cls.company_2)

        # Programs come after the invoices: no discount changed them.
        cls.silver = cls._promotion("Silver", discount=5, min_paid_amount=100)
        cls.gold = cls._promotion(
            "Gold", discount=10, min_paid_amount=300, paid_period_months=12
        )
        cls.platinum = cls._promotion(
            "Platinum",
            discount=15,
            min_paid_amount=1000,
            partner_category_ids=[Command.set(cls.tag_vip.ids)],
        )
        cls.gold_co2 = cls._promotion(
            "Second Gold",
            discount=10,
            min_paid_amount=500,
            company_id=cls.company_2.id,
        )
        cls.points = cls._points_program("Points", points_validity_months=12)
        cls.club = cls._points_program(
            "Club", company_id=False, currency_id=cls.currency.id
        )
        cls.points_co2 = cls._points_program("Points Co2", company_id=cls.company_2.id)
        archived = cls._points_program("Old Points")
        coupons = cls._coupon_program("Spring")
        with freeze_time("2025-03-01"):
            cls._give_points(cls.customer, cls.points, 50)
        cls._give_points(cls.customer, cls.club, 5)
        cls._give_points(cls.customer, cls.points_co2, 70)
        cls._give_points(cls.customer, archived, 1000)
        archived.active = False
        with freeze_time("2025-06-01"):
            cls._give_points(cls.organization, cls.points, 20)
            cls._give_points(cls.contact, cls.points, 30)
        cls._give_points(cls.organization, cls.club, 10)
        cls._coupon(coupons, cls.vip)

    @classmethod
    def _paid_invoice(cls, partner, amount, invoice_date, paid_on, company=None):
        """A posted invoice of ``amount`` dated ``invoice_date``, paid in
        full on ``paid_on`` (dates as text)."""
        invoice = cls._invoice_partner(
            partner, amount, date=day(invoice_date), company=company or cls.company
        )
        cls._pay(invoice, date=day(paid_on))
        return invoice

    def _rows(self, user=None, companies=None, domain=()):
        """The customer report's rows as ``user`` (default: superuser) in
        ``companies`` (default: both): ``{(partner, company): row}``."""
        Report = self.env["crm.lite.report.customer"]
        # Rows keep their ids from one day to the next: read them afresh.
        Report.invalidate_model()
        if user:
            Report = Report.with_user(user)
        companies = companies or (self.company | self.company_2)
        Report = Report.with_context(allowed_company_ids=companies.ids)
        rows = Report.search(list(domain))
        return {(row.partner_id, row.company_id): row for row in rows}

    def _figures(self, row):
        return (row.loyalty_tier_program_id, row.loyalty_points)

    def _form_figures(self, partner, company, user=None):
        """Tier and points the partner form shows in ``company``."""
        partner = partner.with_user(user) if user else partner
        partner = partner.with_company(company)
        partner.invalidate_recordset(["loyalty_tier_program_id", "loyalty_points"])
        return (partner.loyalty_tier_program_id, partner.loyalty_points)
