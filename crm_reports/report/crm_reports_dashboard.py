from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_datetime

TOP_CAMPAIGNS = 5
TOP_CUSTOMERS = 5


class CrmReportsDashboard(models.AbstractModel):
    """The headline figures of the CRM reports, read with the user's rights:
    the dashboard, the PDF sales summary and the weekly digest show the same
    numbers, each figure coming from its report model."""

    _name = "crm.reports.dashboard"
    _description = "CRM Dashboard Figures"

    # ------------------------------------------------------------
    # FIGURES
    # ------------------------------------------------------------

    @api.model
    def _get_summary(self, date_from, date_to, pipeline=None, company=None):
        """Figures of a period (both days included) for one company, and
        optionally one pipeline, as the current user sees them.

        :return: dict with ``funnel``, ``won``, ``plan``, ``campaigns``,
            ``leakage``, ``pipeline``, ``at_risk`` and the context
            (``company``, ``currency``, ``pipeline``, dates)
        """
        if date_to < date_from:
            raise UserError(self.env._("The period ends before it starts."))
        company = company or self.env.company
        if company not in self.env.companies:
            raise UserError(
                self.env._(
                    "You do not work in company %(company)s.", company=company.name
                )
            )
        pipeline = pipeline or self.env["crm.lite.pipeline"]
        return {
            "company": company,
            "currency": company.currency_id,
            "pipeline": pipeline,
            "date_from": date_from,
            "date_to": date_to,
            "funnel": self._summary_funnel(date_from, date_to, pipeline, company),
            "won": self._summary_won(date_from, date_to, pipeline, company),
            "plan": self._summary_plan(date_from, date_to, pipeline, company),
            "campaigns": self._summary_campaigns(date_from, date_to, company),
            "leakage": self._summary_leakage(pipeline, company),
            "pipeline_stages": self._summary_pipeline(pipeline, company),
            "at_risk": self._summary_at_risk(company),
        }

    def _period_domain(self, fname, date_from, date_to):
        return [
            (fname, ">=", fields.Datetime.to_datetime(date_from)),
            (fname, "<", fields.Datetime.to_datetime(date_to + timedelta(days=1))),
        ]

    def _summary_funnel(self, date_from, date_to, pipeline, company):
        domain = [("company_id", "=", company.id)]
        domain += self._period_domain("date_entered", date_from, date_to)
        if pipeline:
            domain.append(("pipeline_id", "=", pipeline.id))
        groups = self.env["crm.lite.report.funnel"]._read_group(
            domain,
            ["stage_id"],
            [
                "entry_count:sum",
                "moved_forward:sum",
                "conversion_rate:sum",
                "won_later:sum",
                "win_rate:sum",
                "lost_here:sum",
                "days_in_stage:avg",
            ],
            order="stage_id",
        )
        return [
            {
                "stage": stage,
                "entries": entries,
                "moved_forward": forward,
                "conversion": conversion,
                "won_later": won,
                "win_rate": win_rate,
                "lost_here": lost,
                "days": days or 0.0,
            }
            for stage, entries, forward, conversion, won, win_rate, lost, days in (
                groups
            )
        ]

    def _summary_won(self, date_from, date_to, pipeline, company):
        """Deals won in the period (their last win)."""
        domain = [
            ("company_id", "=", company.id),
            ("stage_kind", "=", "won"),
            ("date_left", "=", False),
        ]
        domain += self._period_domain("date_entered", date_from, date_to)
        if pipeline:
            domain.append(("pipeline_id", "=", pipeline.id))
        [(count, amount)] = self.env["crm.lite.report.funnel"]._read_group(
            domain, [], ["entry_count:sum", "amount:sum"]
        )
        return {"count": count or 0, "amount": amount or 0.0}

    def _summary_plan(self, date_from, date_to, pipeline, company):
        domain = [
            ("company_id", "=", company.id),
            ("date_from", "<=", date_to),
            ("date_to", ">=", date_from),
        ]
        if pipeline:
            domain += [
                "|",
                ("pipeline_id", "=", pipeline.id),
                ("user_id", "in", pipeline.member_ids.ids),
            ]
        return self.env["crm.lite.report.target"].search(
            domain, order="user_id, pipeline_id, date_from"
        )

    def _summary_campaigns(self, date_from, date_to, company, limit=TOP_CAMPAIGNS):
        month_from = date_from.replace(day=1)
        groups = self.env["crm.lite.report.campaign"]._read_group(
            [
                ("company_id", "=", company.id),
                ("month", ">=", month_from),
                ("month", "<=", date_to),
            ],
            ["campaign_id"],
            [
                "cost:sum",
                "deal_count:sum",
                "won_count:sum",
                "revenue_invoiced:sum",
                "revenue_paid:sum",
                "roi:sum",
                "cost_per_deal:sum",
                "cost_per_won:sum",
            ],
            order="roi:sum desc, revenue_paid:sum desc",
            limit=limit,
        )
        return [
            {
                "campaign": campaign,
                "cost": cost,
                "deals": deals,
                "won": won,
                "invoiced": invoiced,
                "paid": paid,
                "roi": roi,
                "cost_per_deal": per_deal,
                "cost_per_won": per_won,
            }
            for campaign, cost, deals, won, invoiced, paid, roi, per_deal, per_won in (
                groups
            )
        ]

    def _summary_leakage(self, pipeline, company):
        domain = [("company_id", "=", company.id)]
        if pipeline:
            domain.append(("pipeline_id", "=", pipeline.id))
        Leakage = self.env["crm.lite.report.leakage"]
        totals = dict.fromkeys(key for key, _label in Leakage._fields["kind"].selection)
        for kind, count, amount in Leakage._read_group(
            domain, ["kind"], ["leak_count:sum", "amount:sum"]
        ):
            totals[kind] = {"count": count, "amount": amount}
        labels = dict(Leakage._fields["kind"]._description_selection(self.env))
        return [
            {
                "kind": kind,
                "label": labels[kind],
                "count": (values or {}).get("count", 0),
                "amount": (values or {}).get("amount", 0.0),
            }
            for kind, values in totals.items()
        ]

    def _summary_pipeline(self, pipeline, company):
        domain = [("company_id", "=", company.id)]
        if pipeline:
            domain.append(("pipeline_id", "=", pipeline.id))
        groups = self.env["crm.lite.report.pipeline"]._read_group(
            domain,
            ["stage_id"],
            [
                "deal_count:sum",
                "amount:sum",
                "weighted_amount:sum",
                "rotting_count:sum",
            ],
            order="stage_id",
        )
        return [
            {
                "stage": stage,
                "deals": deals,
                "amount": amount,
                "weighted": weighted,
                "rotting": rotting,
            }
            for stage, deals, amount, weighted, rotting in groups
        ]

    def _summary_at_risk(self, company, limit=TOP_CUSTOMERS):
        Customer = self.env["crm.lite.report.customer"]
        domain = [("company_id", "=", company.id), ("rfm_segment", "=", "at_risk")]
        [(count, revenue)] = Customer._read_group(
            domain, [], ["customer_count:sum", "revenue:sum"]
        )
        return {
            "count": count or 0,
            "revenue": revenue or 0.0,
            "customers": Customer.search(domain, limit=limit),
        }

    # ------------------------------------------------------------
    # DASHBOARD
    # ------------------------------------------------------------

    def _precomputed_detail(self, detail):
        """``detail``, with the time of the figures when they come from the
        hourly precomputed reports."""
        precomputed_at = self.env["crm.lite.report.mixin"]._precomputed_at()
        if not precomputed_at:
            return detail
        return self.env._(
            "%(detail)s (figures of %(time)s)",
            detail=detail,
            time=format_datetime(self.env, precomputed_at, dt_format="short"),
        )

    @api.model
    @api.readonly
    def get_dashboard_data(self):
        """Headline figures and panels of the CRM dashboard (client action
        ``crm_reports.dashboard``): this month, the current company."""
        today = fields.Date.context_today(self)
        date_from = today.replace(day=1)
        summary = self._get_summary(date_from, today)
        currency = summary["currency"]

        def money(amount):
            return format_amount(self.env, amount or 0.0, currency)

        open_deals = sum(line["deals"] for line in summary["pipeline_stages"])
        open_amount = sum(line["amount"] for line in summary["pipeline_stages"])
        targets = summary["plan"]
        target_amount = sum(targets.mapped("target_amount"))
        actual_amount = sum(targets.mapped("actual_amount"))
        leaking = sum(line["amount"] for line in summary["leakage"])
        kpis = [
            {
                "key": "open_pipeline",
                "label": self.env._("Open Pipeline"),
                "value": money(open_amount),
                "detail": self.env._("%(count)s open deals", count=open_deals),
                "action": "crm_reports.crm_lite_report_pipeline_action",
            },
            {
                "key": "won",
                "label": self.env._("Won This Month"),
                "value": money(summary["won"]["amount"]),
                "detail": self.env._("%(count)s deals", count=summary["won"]["count"]),
                "action": "crm_reports.crm_lite_report_funnel_action",
            },
            {
                "key": "plan",
                "label": self.env._("Plan Achievement"),
                "value": f"{100.0 * actual_amount / target_amount:.0f} %"
                if target_amount
                else "-",
                "detail": self.env._(
                    "%(actual)s of %(target)s",
                    actual=money(actual_amount),
                    target=money(target_amount),
                ),
                "action": "crm_reports.crm_lite_report_target_action",
            },
            {
                "key": "leakage",
                "label": self.env._("Money Leaking"),
                "value": money(leaking),
                "detail": self.env._(
                    "%(count)s deals and invoices",
                    count=sum(line["count"] for line in summary["leakage"]),
                ),
                "action": "crm_reports.crm_lite_report_leakage_action",
            },
            {
                "key": "at_risk",
                "label": self.env._("Customers at Risk"),
                "value": str(summary["at_risk"]["count"]),
                "detail": self._precomputed_detail(
                    self.env._(
                        "%(amount)s paid in the window",
                        amount=money(summary["at_risk"]["revenue"]),
                    )
                ),
                "action": "crm_reports.crm_lite_report_customer_action",
            },
        ]
        panels = [
            ("pipeline", self.env._("Pipeline by Stage"), "dashboard_pipeline"),
            ("funnel", self.env._("Funnel"), "dashboard_funnel"),
            ("plan", self.env._("Plan Achievement per Salesperson"), "dashboard_plan"),
            ("campaigns", self.env._("Top Campaigns by ROI"), "dashboard_campaigns"),
            ("leakage", self.env._("Money Leaking"), "dashboard_leakage"),
            ("at_risk", self.env._("Customers at Risk"), "dashboard_at_risk"),
        ]
        return {
            "kpis": kpis,
            "panels": [
                {
                    "key": key,
                    "title": title,
                    "action": f"crm_reports.crm_reports_action_{suffix}",
                }
                for key, title, suffix in panels
            ],
        }
