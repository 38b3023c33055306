from collections import defaultdict, namedtuple

from odoo import Command, fields, models
from odoo.exceptions import UserError
from odoo.tools import escape_psql, float_round

from .loyalty_program import INVOICE_PROGRAM_TYPES
from .tools import engine_write, guarded

# A reward claimed on an invoice: the reward, the card or coupon paying for
# it, the free product chosen, and for rewards per point the points asked.
Claim = namedtuple("Claim", ["reward", "coupon", "product", "points"])

POINTS_DIGITS = 2


class AccountMove(models.Model):
    """The loyalty program engine of customer invoices, with the same public
    API as ``sale_loyalty`` on sales orders: ``_update_programs_and_rewards``,
    ``_try_apply_code``, ``_get_claimable_rewards``, ``_apply_program_reward``.

    Programs are evaluated on the invoice's product lines. Automatic
    promotions (customer tags, tiers, volume thresholds) give their best
    reward at once; codes, coupons and loyalty points are claimed. Discount
    lines are split per tax so that taxes and totals stay right; the
    company's stacking policy and cap bound the automatic discounts and the
    sum of all of them.
    """

    _inherit = "account.move"

    # ------------------------------------------------------------
    # PROGRAMS
    # ------------------------------------------------------------

    def _get_program_domain(self):
        """Programs that may apply on this invoice: active, offered on
        invoices, of its company, valid today."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        companies = self.company_id | self.company_id.parent_id
        return [
            ("active", "=", True),
            ("invoice_ok", "=", True),
            ("program_type", "in", INVOICE_PROGRAM_TYPES),
            *self.env["loyalty.program"]._check_company_domain(companies.ids),
            "|",
            ("date_from", "=", False),
            ("date_from", "<=", today),
            "|",
            ("date_to", "=", False),
            ("date_to", ">=", today),
        ]

    def _get_trigger_domain(self):
        """Rules (codes) that may apply on this invoice."""
        self.ensure_one()
        return [("active", "=", True)] + [
            (f"program_id.{leaf[0]}", leaf[1], leaf[2])
            if isinstance(leaf, tuple | list)
            else leaf
            for leaf in self._get_program_domain()
        ]

    def _loyalty_customer(self):
        self.ensure_one()
        return self.commercial_partner_id

    def _loyalty_program_errors(self, programs):
        """Why each program does not apply to this invoice's customer
        (tags, paid spend, tier, usage limit): ``{program: message}``."""
        self.ensure_one()
        errors = {}
        if not programs:
            return errors
        customer = self._loyalty_customer()
        tags = self.partner_id.category_id | customer.category_id
        today = fields.Date.context_today(self)
        tiers = programs.filtered(lambda p: p._loyalty_is_tier())
        if tiers:
            # The highest tier reached among all tiers of the company, not only
            # those asked about.
            tiers |= self.env["loyalty.program"].search(
                self._get_program_domain()
                + [("program_type", "=", "promotion"), ("min_paid_amount", ">", 0)]
            )
        # Usage counts move with every invoice posted: read them afresh.
        programs.filtered("limit_usage").invalidate_recordset(["total_order_count"])
        best_tier = self.partner_id._loyalty_reached_tiers(
            tiers, self.company_id, today
        ).get(customer.id)
        for program in programs:
            if program.partner_category_ids and not program.partner_category_ids & tags:
                errors[program] = self.env._(
                    "Program %(program)s is for customers tagged %(tags)s.",
                    program=program.name,
                    tags=", ".join(program.partner_category_ids.mapped("name")),
                )
            elif program.min_paid_amount > 0 and program != best_tier:
                errors[program] = self.env._(
                    "Program %(program)s is for customers who paid at least "
                    "%(amount)s%(period)s, and only the highest tier reached applies.",
                    program=program.name,
                    amount=program.currency_id.format(program.min_paid_amount),
                    period=self.env._(
                        " over the last %(months)s months",
                        months=program.paid_period_months,
                    )
                    if program.paid_period_months
                    else "",
                )
            elif program.limit_usage and program.total_order_count >= program.max_usage:
                errors[program] = self.env._(
                    "Program %(program)s has reached its usage limit.",
                    program=program.name,
                )
        return errors

    def _loyalty_product_lines(self):
        """The lines programs are evaluated on: products, not rewards."""
        self.ensure_one()
        return self.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and not line.reward_id
        )

    def _program_check_compute_points(self, programs):
        """Check each program's rules on the invoice lines and compute the
        points it gives: ``{program: {'points': [points]} or {'error': msg}}``.

        Thresholds and quantities are read on product lines only, so that
        discounts never decide whether a discount applies. Points per amount
        are on what the customer pays: for programs whose points reach a card
        (loyalty, next-order coupons), net of the other programs' discounts.
        """
        self.ensure_one()
        lines = self._loyalty_product_lines()
        reward_lines = self.invoice_line_ids.filtered("reward_id")
        date = fields.Date.context_today(self)
        result = {}
        for program in programs:
            rules = program.rule_ids
            code_matched = not rules and program.applies_on == "current"
            amount_matched = qty_matched = code_matched
            points = 0.0
            for rule in rules:
                if rule.mode == "with_code" and rule not in self.code_enabled_rule_ids:
                    continue
                code_matched = True
                domain = rule._get_valid_product_domain()
                rule_lines = (
                    lines.filtered(
                        lambda line, d=domain: line.product_id.filtered_domain(d)
                    )
                    if domain
                    else lines
                )
                untaxed = sum(rule_lines.mapped("price_subtotal"))
                total = sum(rule_lines.mapped("price_total"))
                reached = total if rule.minimum_amount_tax_mode == "incl" else untaxed
                threshold = rule._compute_amount(self.currency_id)
                if self.currency_id.compare_amounts(threshold, reached) > 0:
                    continue
                amount_matched = True
                quantity = sum(rule_lines.mapped("quantity"))
                if quantity < rule.minimum_qty:
                    continue
                qty_matched = True
                if rule.reward_point_mode == "order":
                    points += rule.reward_point_amount
                elif rule.reward_point_mode == "unit":
                    points += rule.reward_point_amount * quantity
                elif rule.reward_point_mode == "money":
                    paid = total
                    if not domain and program._loyalty_credited_when_paid():
                        paid += sum(
                            line.price_total
                            for line in reward_lines
                            if line.reward_id.program_id.program_type
                            != program.program_type
                        )
                    paid = self.currency_id._convert(
                        max(paid, 0.0), program.currency_id, self.company_id, date
                    )
                    points += float_round(
                        rule.reward_point_amount * paid,
                        precision_digits=POINTS_DIGITS,
                        rounding_method="DOWN",
                    )
            status = result.setdefault(program, {})
            if not program.is_nominative:
                if not code_matched:
                    status["error"] = self.env._(
                        "Program %(program)s needs a code.", program=program.name
                    )
                elif not amount_matched:
                    status["error"] = self.env._(
                        "Program %(program)s needs a purchase of at least %(amount)s.",
                        program=program.name,
                        amount=program.currency_id.format(
                            min(rules.mapped("minimum_amount") or [0.0])
                        ),
                    )
                elif not qty_matched:
                    status["error"] = self.env._(
                        "The invoice does not have the product quantities program "
                        "%(program)s needs.",
                        program=program.name,
                    )
            if "error" not in status:
                status["points"] = [points]
        return result

    def _loyalty_applicable_programs(self, programs):
        """The programs of ``programs`` that apply to this invoice now, with
        their status (see ``_program_check_compute_points``)."""
        self.ensure_one()
        programs = programs.filtered_domain(self._get_program_domain())
        errors = self._loyalty_program_errors(programs)
        programs = programs.filtered(lambda p: p not in errors)
        status = self._program_check_compute_points(programs)
        return {p: s for p, s in status.items() if "error" not in s}

    # ------------------------------------------------------------
    # CARDS
    # ------------------------------------------------------------

    def _loyalty_is_invoice_card(self, coupon):
        """A card the invoice made for a promotion or a code: its points are
        given and used up on the invoice itself."""
        self.ensure_one()
        return (
            coupon.invoice_id == self
            and not coupon.program_id._loyalty_credited_when_paid()
        )

    def _loyalty_card_for(self, program, create=True):
        """The card the invoice gives ``program``'s points to: the customer's
        card of a loyalty program, else a card of this invoice (a coupon for
        the next order, or the promotion's card)."""
        self.ensure_one()
        # sudo: cards are the application's ledger; the accountant reads them
        # but only the invoice engine creates them.
        Card = (
            self.env["loyalty.card"]
            .sudo()
            .with_context(loyalty_no_mail=True, tracking_disable=True)
        )
        customer = self._loyalty_customer()
        if program.is_nominative:
            card = Card.search(
                [("partner_id", "=", customer.id), ("program_id", "=", program.id)],
                limit=1,
            )
        else:
            card = (
                self.coupon_point_ids.coupon_id | self.invoice_line_ids.coupon_id
            ).filtered(lambda c: c.program_id == program and c.invoice_id == self)[:1]
        if not card and create:
            partner = customer if program._loyalty_credited_when_paid() else False
            card = Card.create(
                {
                    "program_id": program.id,
                    "partner_id": partner and partner.id,
                    "points": 0,
                    "invoice_id": self.id,
                }
            )
        return card.sudo(False)

    def _loyalty_customer_cards(self):
        """The customer's loyalty cards with points, usable on this invoice."""
        self.ensure_one()
        domain = self._get_program_domain()
        # sudo: see _loyalty_card_for.
        cards = (
            self.env["loyalty.card"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self._loyalty_customer().id),
                    ("points", ">", 0),
                    ("program_id.program_type", "=", "loyalty"),
                ]
            )
        )
        return cards.filtered(lambda c: c.program_id.filtered_domain(domain)).sudo(
            False
        )

    def _get_real_points_for_coupon(self, coupon, used=None):
        """Points of ``coupon`` available for a new reward on this invoice:
        its balance (plus what the invoice gives to its own promotion cards),
        minus what rewards take: those of the invoice's lines, or ``used``
        (``[(coupon, points)]``) when given."""
        self.ensure_one()
        points = coupon.points
        if self._loyalty_is_invoice_card(coupon):
            points += sum(
                self.coupon_point_ids.filtered(lambda e: e.coupon_id == coupon).mapped(
                    "points"
                )
            )
        if used is None:
            used = [
                (line.coupon_id, line.points_cost) for line in self.invoice_line_ids
            ]
        points -= sum(cost for card, cost in used if card == coupon)
        return float_round(points, precision_digits=POINTS_DIGITS)

    def _loyalty_check_coupon(self, coupon):
        """Why ``coupon`` cannot be used on this invoice, or False."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        program = coupon.program_id
        if program.company_id and program.company_id not in (
            self.company_id | self.company_id.parent_id
        ):
            return self.env._("This code is not valid in this company.")
        if not program.active or not program.invoice_ok or not program.reward_ids:
            return self.env._("This code cannot be used on invoices.")
        if not program.filtered_domain(self._get_program_domain()):
            return self.env._("This code is expired or not valid yet.")
        if coupon.expiration_date and coupon.expiration_date < today:
            return self.env._("This coupon is expired.")
        if (
            coupon.partner_id
            and coupon.partner_id.commercial_partner_id != self._loyalty_customer()
        ):
            return self.env._("This coupon is reserved for another customer.")
        return False

    # ------------------------------------------------------------
    # CODES
    # ------------------------------------------------------------

    def _try_apply_code(self, code):
        """Apply a promotion code or a coupon code (any case) to the invoice.

        Like the sales order's: returns ``{'error': message}`` (with
        ``'not_found': True`` for an unknown code) when the code cannot be
        used, else the rewards it makes claimable, ``{coupon: rewards}``.
        Raises when the invoice itself cannot take codes (not a draft
        customer invoice).
        """
        self.ensure_one()
        self._loyalty_check_editable()
        code = (code or "").strip()
        if not code:
            return {"error": self.env._("Enter a code."), "not_found": True}
        # sudo: find the code wherever it is, to tell why it cannot be used
        # here; nothing of its program or card is shown.
        rules = (
            self.env["loyalty.rule"]
            .sudo()
            .search([("mode", "=", "with_code"), ("code", "=ilike", escape_psql(code))])
        )
        rule = rules.filtered(lambda r: r.code == code)[:1] or rules[:1]
        if rule:
            return self._loyalty_apply_rule_code(rule.sudo(False), code)
        coupons = (
            self.env["loyalty.card"]
            .sudo()
            .search([("code", "=ilike", escape_psql(code))])
        )
        coupon = coupons.filtered(lambda c: c.code == code)[:1] or coupons[:1]
        if coupon:
            return self._loyalty_apply_coupon_code(coupon.sudo(False))
        return {
            "error": self.env._("This code is invalid (%(code)s).", code=code),
            "not_found": True,
        }

    def _loyalty_apply_rule_code(self, rule, code):
        program = rule.sudo().program_id
        if program.company_id and program.company_id not in (
            self.company_id | self.company_id.parent_id
        ):
            return {"error": self.env._("This code is not valid in this company.")}
        if not program.active or not program.invoice_ok:
            return {
                "error": self.env._("This code is invalid (%(code)s).", code=code),
                "not_found": True,
            }
        if program.program_type in ("loyalty", "ewallet"):
            return {"error": self.env._("This program cannot be applied with a code.")}
        if not program.filtered_domain(self._get_program_domain()):
            return {"error": self.env._("This code is expired (%(code)s).", code=code)}
        if rule in self.code_enabled_rule_ids:
            return {"error": self.env._("This code is already applied.")}
        program = program.sudo(False)
        error = self._loyalty_program_errors(program).get(program)
        if error:
            return {"error": error}
        engine_write(self).code_enabled_rule_ids = [Command.link(rule.id)]
        status = self._program_check_compute_points(program)[program]
        if "error" in status:
            engine_write(self).code_enabled_rule_ids = [Command.unlink(rule.id)]
            return {"error": status["error"]}
        self._update_programs_and_rewards()
        coupon = self._loyalty_card_for(program, create=False)
        return self._get_claimable_rewards(forced_coupons=coupon)

    def _loyalty_apply_coupon_code(self, coupon):
        error = self._loyalty_check_coupon(coupon.sudo())
        if error:
            return {"error": error}
        program = coupon.program_id
        if program.program_type in ("loyalty", "ewallet"):
            return {"error": self.env._("This program cannot be applied with a code.")}
        if coupon in self.applied_coupon_ids:
            return {"error": self.env._("This code is already applied.")}
        if coupon.invoice_id == self:
            return {
                "error": self.env._(
                    "This coupon comes from this invoice: it can be used on the "
                    "next ones."
                )
            }
        required = min(program.reward_ids.mapped("required_points"))
        if coupon.points < required:
            return {"error": self.env._("This coupon has already been used.")}
        error = self._loyalty_program_errors(program).get(program)
        if error:
            return {"error": error}
        if program.applies_on == "current":
            status = self._program_check_compute_points(program)[program]
            if "error" in status:
                return {"error": status["error"]}
        engine_write(self).applied_coupon_ids = [Command.link(coupon.id)]
        self._update_programs_and_rewards()
        return self._get_claimable_rewards(forced_coupons=coupon)

    # ------------------------------------------------------------
    # REWARDS
    # ------------------------------------------------------------

    def _get_claimable_rewards(self, forced_coupons=None):
        """Rewards the customer can claim now on this invoice, by card or
        coupon: ``{coupon: rewards}``; cards that can claim nothing are left
        out. Rewards already applied are not offered again."""
        self.ensure_one()
        coupons = forced_coupons
        if not coupons:
            coupons = (
                self.coupon_point_ids.coupon_id.filtered(self._loyalty_is_invoice_card)
                | self.invoice_line_ids.coupon_id
                | self.applied_coupon_ids
                | self._loyalty_customer_cards()
            )
        applied = {(line.reward_id, line.coupon_id) for line in self.invoice_line_ids}
        programs = self._loyalty_applicable_programs(coupons.program_id)
        result = {}
        for coupon in coupons:
            program = coupon.program_id
            if program not in programs:
                continue
            if program.applies_on == "future" and coupon.invoice_id == self:
                continue
            if not self._loyalty_is_invoice_card(coupon) and self._loyalty_check_coupon(
                coupon
            ):
                continue
            points = self._get_real_points_for_coupon(coupon)
            rewards = program.reward_ids.filtered(
                lambda r, c=coupon, p=points: (r, c) not in applied
                and r.required_points <= p
                and (r.reward_type != "product" or r.reward_product_ids)
            )
            if rewards:
                result[coupon] = rewards
        return result

    def _apply_program_reward(self, reward, coupon, **kwargs):
        """Claim ``reward`` with the points of ``coupon`` on this invoice.

        :param kwargs: ``product`` (the free product to take, for rewards
            offering several), ``points`` (for rewards per point: how many
            points to redeem; all the card allows by default)
        :return: ``{}`` when applied, ``{'error': message}`` otherwise (nothing
            is changed then). Applying the same reward again replaces it.
        """
        self.ensure_one()
        self._loyalty_check_editable()
        reward.ensure_one()
        coupon.ensure_one()
        program = reward.program_id
        if coupon.program_id != program:
            return {"error": self.env._("This reward is not a reward of this card.")}
        if program not in self._loyalty_applicable_programs(program):
            return {
                "error": self._loyalty_program_errors(program).get(program)
                or self.env._(
                    "Program %(program)s does not apply to this invoice.",
                    program=program.name,
                )
            }
        if not self._loyalty_is_invoice_card(coupon):
            error = self._loyalty_check_coupon(coupon)
            if error:
                return {"error": error}
            if program.applies_on == "future" and coupon.invoice_id == self:
                return {
                    "error": self.env._(
                        "The coupon can only be claimed on the next invoices."
                    )
                }
            if (
                coupon not in self.applied_coupon_ids
                and coupon not in self._loyalty_customer_cards()
                and coupon not in self.invoice_line_ids.coupon_id
            ):
                return {"error": self.env._("Enter the coupon's code first.")}
        product = kwargs.get("product") or self.env["product.product"]
        if (
            reward.reward_type == "product"
            and product
            and (product not in reward.reward_product_ids)
        ):
            return {"error": self.env._("This product is not a reward of the program.")}
        # Points the other claims of this card leave.
        others = [
            (line.coupon_id, line.points_cost)
            for line in self.invoice_line_ids
            if line.reward_id != reward
        ]
        available = self._get_real_points_for_coupon(coupon, others)
        if available < reward.required_points:
            return {
                "error": self.env._(
                    "The card does not have enough points for this reward: "
                    "%(available)s available, %(required)s needed.",
                    available=available,
                    required=reward.required_points,
                )
            }
        points = kwargs.get("points") if reward.discount_mode == "per_point" else None
        if points is not None:
            error = self._loyalty_check_points_request(reward, points, available)
            if error:
                return {"error": error}
        claim = Claim(reward, coupon, product, points)
        try:
            values, _amount = self._loyalty_reward_values(claim, available)
        except UserError as error:
            return {"error": error.args[0]}
        if not values:
            return {"error": self.env._("There is nothing to discount.")}
        claims = [
            existing
            for existing in self._loyalty_existing_claims()
            if (existing.reward, existing.coupon) != (reward, coupon)
        ]
        self._loyalty_apply_claims(claims + [claim])
        self._update_programs_and_rewards()
        return {}

    def _loyalty_check_points_request(self, reward, points, available):
        """Why redeeming ``points`` with ``reward`` is refused, or False."""
        if points <= 0:
            return self.env._("Redeem a positive number of points.")
        if points > available:
            return self.env._(
                "The customer has %(available)s points available; %(points)s "
                "cannot be redeemed.",
                available=available,
                points=points,
            )
        value = self._loyalty_convert(reward.discount, reward.currency_id)
        limit = reward._loyalty_max_share() * self._loyalty_base_total()
        if self.currency_id.compare_amounts(points * value, limit) > 0:
            return self.env._(
                "Points can pay at most %(amount)s of this invoice, that is "
                "%(points)s points.",
                amount=self.currency_id.format(limit),
                points=float_round(
                    limit / value if value else 0.0,
                    precision_digits=POINTS_DIGITS,
                    rounding_method="DOWN",
                ),
            )
        return False

    def _loyalty_existing_claims(self):
        """The rewards claimed on the invoice, in the order of their lines."""
        self.ensure_one()
        claims = {}
        for line in self.invoice_line_ids.sorted(lambda line: (line.sequence, line.id)):
            if not line.reward_id or not line.coupon_id:
                continue
            key = (line.reward_id, line.coupon_id)
            if key not in claims:
                claims[key] = Claim(
                    line.reward_id,
                    line.coupon_id,
                    line.product_id
                    if line.reward_id.reward_type == "product"
                    else self.env["product.product"],
                    0.0,
                )
            claim = claims[key]
            claims[key] = claim._replace(points=claim.points + line.points_cost)
        return list(claims.values())

    # ------------------------------------------------------------
    # UPDATE
    # ------------------------------------------------------------

    def _update_programs_and_rewards(self):
        """Apply the programs the invoice qualifies for, as it is now.

        Re-evaluates automatic programs (customer tags, tiers, volume
        thresholds, promotions) and applies their best reward, keeps the codes,
        coupons and points claimed that still apply and recomputes their
        rewards, and computes the points the invoice will earn when paid.
        Idempotent; a posted invoice is never changed.
        """
        for move in self:
            if move.move_type != "out_invoice" or move.state != "draft":
                continue
            move._loyalty_update()

    def _loyalty_update(self):
        self.ensure_one()
        if not self.partner_id:
            self._loyalty_clear()
            return
        Program = self.env["loyalty.program"]
        auto_programs = Program.search(
            self._get_program_domain() + [("trigger", "=", "auto")]
        )
        code_programs = self.code_enabled_rule_ids.program_id
        coupon_programs = self.applied_coupon_ids.program_id
        applicable = self._loyalty_applicable_programs(
            auto_programs | code_programs | coupon_programs
        )

        # Codes and coupons that no longer apply are dropped.
        rules = self.code_enabled_rule_ids.filtered(
            lambda r: r.program_id in applicable
        )
        coupons = self.applied_coupon_ids.filtered(
            lambda c: c.program_id in applicable and not self._loyalty_check_coupon(c)
        )
        values = {}
        if rules != self.code_enabled_rule_ids:
            values["code_enabled_rule_ids"] = [Command.set(rules.ids)]
        if coupons != self.applied_coupon_ids:
            values["applied_coupon_ids"] = [Command.set(coupons.ids)]
        if values:
            engine_write(self).write(values)

        # Points given and used on the invoice itself (promotions, codes).
        entries = {}
        for program, status in applicable.items():
            if (
                program._loyalty_credited_when_paid()
                or program.program_type == "coupons"
            ):
                continue
            card = self._loyalty_card_for(program)
            entries[card] = status["points"][0]
        self._loyalty_set_point_entries(entries, current=True)

        # Rewards: the automatic ones first, then what was claimed.
        claims = []
        customer_cards = self._loyalty_customer_cards()
        for claim in self._loyalty_existing_claims():
            program = claim.reward.program_id
            if program.trigger == "auto" and self._loyalty_is_invoice_card(
                claim.coupon
            ):
                continue
            if not claim.reward.active or program not in applicable:
                continue
            if not self._loyalty_is_invoice_card(claim.coupon) and (
                self._loyalty_check_coupon(claim.coupon)
                or (
                    claim.coupon not in coupons
                    and claim.coupon not in customer_cards
                    and not claim.coupon.program_id.is_nominative
                )
            ):
                continue
            claims.append(claim)
        automatic = self._loyalty_automatic_claims(applicable, entries)
        self._loyalty_apply_claims(automatic + claims)

        # Points the invoice earns when paid, on what the customer pays.
        credited = [p for p in applicable if p._loyalty_credited_when_paid()]
        status = self._program_check_compute_points(
            self.env["loyalty.program"].union(*credited)
        )
        earned = {}
        for program in credited:
            points = status[program].get("points", [0.0])[0]
            card = self._loyalty_card_for(program, create=points > 0)
            if card and points > 0:
                earned[card] = points
        self._loyalty_set_point_entries(earned, current=False)
        self._loyalty_cleanup_cards()
        if self.loyalty_to_update:
            engine_write(self).loyalty_to_update = False

    def _loyalty_cleanup_cards(self):
        """Delete the cards the invoice made that no longer serve."""
        # sudo: cards made by the invoice engine, see _loyalty_card_for.
        cards = self.env["loyalty.card"].sudo().search([("invoice_id", "=", self.id)])
        kept = self.coupon_point_ids.coupon_id | self.invoice_line_ids.coupon_id
        (cards - kept.sudo())._loyalty_unlink_unused()

    def _loyalty_clear(self):
        """No customer: no program applies."""
        reward_lines = self.invoice_line_ids.filtered("reward_id")
        guarded(self).write(
            {
                "invoice_line_ids": [Command.delete(line.id) for line in reward_lines],
                "applied_coupon_ids": [Command.clear()],
                "code_enabled_rule_ids": [Command.clear()],
                "loyalty_to_update": False,
            }
        )
        self.coupon_point_ids.sudo().unlink()
        self._loyalty_cleanup_cards()

    def _loyalty_set_point_entries(self, points_per_card, current):
        """Set the points the invoice gives to cards, for the programs used up
        on the invoice (``current``) or those credited when it is paid."""
        # sudo: points entries are written by the application only.
        entries = self.coupon_point_ids.sudo().filtered(
            lambda e: e.coupon_id.program_id._loyalty_credited_when_paid() != current
        )
        left = dict(points_per_card)
        for entry in entries:
            card = entry.coupon_id.with_env(self.env)
            if card in left:
                points = left.pop(card)
                if entry.points != points:
                    entry.points = points
            else:
                entry.unlink()
        if left:
            self.env["account.move.coupon.points"].sudo().create(
                [
                    {"move_id": self.id, "coupon_id": card.id, "points": points}
                    for card, points in left.items()
                ]
            )

    def _loyalty_automatic_claims(self, applicable, entries):
        """The best reward of each automatic promotion; with the company's
        "best discount only" policy, only the largest of their discounts."""
        claims = []
        for program in applicable:
            if program.trigger != "auto" or program._loyalty_credited_when_paid():
                continue
            card = self._loyalty_card_for(program, create=False)
            if not card:
                continue
            points = entries.get(card, 0.0)
            best = None
            for reward in program.reward_ids:
                if reward.required_points > points:
                    continue
                if reward.reward_type == "product" and not reward.reward_product_ids:
                    continue
                claim = Claim(reward, card, self.env["product.product"], None)
                try:
                    _values, amount = self._loyalty_reward_values(claim, points)
                except UserError:
                    continue
                if reward.reward_type == "product":
                    amount = 0.0
                if best is None or amount > best[1]:
                    best = (claim, amount)
            if best:
                claims.append(best)
        discounts = sorted(
            (c for c in claims if c[0].reward.reward_type == "discount"),
            key=lambda c: -c[1],
        )
        if self.company_id.loyalty_stacking == "best":
            discounts = discounts[:1]
        products = [c for c in claims if c[0].reward.reward_type == "product"]
        return [claim for claim, _amount in discounts + products]

    def _loyalty_apply_claims(self, claims):
        """Write the reward lines of ``claims``, in order: each discount takes
        what the cap and the invoice total leave."""
        self.ensure_one()
        base = self._loyalty_base_total()
        cap_percent = self.company_id.loyalty_max_discount_percent
        left = base * cap_percent / 100 if cap_percent else base
        left = min(left, base)
        used = []
        values_list = []
        for claim in claims:
            available = self._get_real_points_for_coupon(claim.coupon, used)
            if available < claim.reward.required_points:
                continue
            try:
                values, amount = self._loyalty_reward_values(
                    claim, available, limit=max(left, 0.0)
                )
            except UserError:
                continue
            if not values:
                continue
            left -= amount
            used += [(claim.coupon, v.get("points_cost", 0.0)) for v in values]
            values_list += values
        self._loyalty_write_reward_lines(values_list)

    def _loyalty_write_reward_lines(self, values_list):
        """Turn the invoice's reward lines into ``values_list`` in one write,
        reusing the existing lines."""
        pool = self.invoice_line_ids.filtered("reward_id").sorted(
            lambda line: (line.sequence, line.id)
        )
        sequence = max(self._loyalty_product_lines().mapped("sequence"), default=10) + 1
        commands = []
        for index, values in enumerate(values_list):
            values = dict(values, sequence=sequence + index)
            if index < len(pool):
                line = pool[index]
                changed = {
                    name: value
                    for name, value in values.items()
                    if not self._loyalty_same_value(line, name, value)
                }
                if changed:
                    commands.append(Command.update(line.id, changed))
            else:
                commands.append(Command.create(values))
        commands += [Command.delete(line.id) for line in pool[len(values_list) :]]
        if commands:
            guarded(self).write({"invoice_line_ids": commands})

    def _loyalty_same_value(self, line, name, value):
        field = line._fields[name]
        current = line[name]
        if field.type == "many2many":
            ids = set()
            for command in value:
                if command[0] == Command.SET:
                    ids = set(command[2])
                elif command[0] == Command.LINK:
                    ids.add(command[1])
            return set(current.ids) == ids
        if field.type == "many2one":
            return current.id == (value or False)
        if field.type in ("float", "monetary"):
            return float_round(current - (value or 0.0), precision_digits=6) == 0
        return current == value

    # ------------------------------------------------------------
    # REWARD VALUES
    # ------------------------------------------------------------

    def _get_reward_line_values(self, reward, coupon, **kwargs):
        """The values of the invoice lines of ``reward`` claimed with
        ``coupon`` (several for a discount on products of several taxes)."""
        self.ensure_one()
        claim = Claim(
            reward,
            coupon,
            kwargs.get("product") or self.env["product.product"],
            kwargs.get("points"),
        )
        values, _amount = self._loyalty_reward_values(
            claim, self._get_real_points_for_coupon(coupon)
        )
        return values

    def _loyalty_reward_values(self, claim, available, limit=None):
        """Lines of a claim and the discount they give (taxes included).

        :param float available: points of the card available for the claim
        :param float limit: most the discount may take (cap, invoice total)
        :raise UserError: there is nothing to discount
        """
        reward = claim.reward.with_context(lang=self.partner_id.lang or self.env.lang)
        if reward.reward_type == "product":
            return self._get_reward_values_product(reward, claim, available), 0.0
        return self._get_reward_values_discount(reward, claim, available, limit)

    def _loyalty_reward_base_values(self, reward, coupon):
        return {
            "display_type": "product",
            "reward_id": reward.id,
            "coupon_id": coupon.id,
            "points_cost": 0.0,
            "quantity": 1.0,
            "discount": 0.0,
        }

    def _loyalty_line_name(self, reward, suffix=""):
        return self.env._(
            "%(program)s: %(reward)s%(suffix)s",
            program=reward.program_id.name,
            reward=reward.description,
            suffix=suffix,
        )

    def _get_reward_values_product(self, reward, claim, available):
        products = reward.reward_product_ids
        product = claim.product or products[:1]
        if not product or product not in products:
            raise UserError(self.env._("This product is not a reward of the program."))
        if reward.clear_wallet:
            count, cost = 1, available
        else:
            count = int(available // reward.required_points)
            cost = count * reward.required_points
        if count <= 0:
            return []
        taxes = self.fiscal_position_id.map_tax(
            product.taxes_id._filter_taxes_by_company(self.company_id)
        )
        price = product._get_tax_included_unit_price(
            self.company_id,
            self.currency_id,
            self.date or fields.Date.context_today(self),
            "sale",
            fiscal_position=self.fiscal_position_id,
            product_taxes=product.taxes_id._filter_taxes_by_company(self.company_id),
        )
        return [
            {
                **self._loyalty_reward_base_values(reward, claim.coupon),
                "product_id": product.id,
                "name": self._loyalty_line_name(
                    reward,
                    self.env._(
                        " (%(product)s)",
                        product=product.with_context(
                            display_default_code=False
                        ).display_name,
                    )
                    if len(products) > 1
                    else "",
                ),
                "quantity": reward.reward_product_qty * count,
                "price_unit": price,
                "discount": 100.0,
                "tax_ids": [Command.set(taxes.ids)],
                "points_cost": cost,
            }
        ]

    def _get_reward_values_discount(self, reward, claim, available, limit=None):
        applicability = reward.discount_applicability
        if applicability == "cheapest":
            discountable, per_tax = self._discountable_cheapest(reward)
        elif applicability == "specific":
            discountable, per_tax = self._discountable_specific(reward)
        else:
            discountable, per_tax = self._discountable_order(reward)
        if self.currency_id.compare_amounts(discountable, 0.0) <= 0:
            raise UserError(self.env._("There is nothing to discount."))
        most = discountable if limit is None else min(discountable, limit)
        if reward.discount_max_amount:
            most = min(
                most,
                self._loyalty_convert(reward.discount_max_amount, reward.currency_id),
            )
        cost = reward.required_points
        if reward.discount_mode == "percent":
            amount = min(most, discountable * reward.discount / 100)
        elif reward.discount_mode == "per_order":
            amount = min(
                most, self._loyalty_convert(reward.discount, reward.currency_id)
            )
        else:
            value = self._loyalty_convert(reward.discount, reward.currency_id)
            most = min(most, reward._loyalty_max_share() * self._loyalty_base_total())
            points = claim.points if claim.points else available
            points = min(points, available)
            if not claim.points:
                # Rewards are given in whole multiples of the points they need.
                points = points // reward.required_points * reward.required_points
            amount = min(most, points * value) if value else 0.0
            cost = float_round(
                amount / value if value else 0.0,
                precision_digits=POINTS_DIGITS,
                rounding_method="UP",
            )
            if reward.clear_wallet:
                cost = available
        amount = self.currency_id.round(amount)
        if self.currency_id.compare_amounts(amount, 0.0) <= 0:
            return [], 0.0
        factor = amount / discountable
        lines = []
        for taxes, price in per_tax.items():
            if self.currency_id.is_zero(price):
                continue
            suffix = ""
            if len(per_tax) > 1:
                suffix = (
                    self.env._(
                        " (products with taxes %(taxes)s)",
                        taxes=", ".join(taxes.mapped("name")),
                    )
                    if taxes
                    else self.env._(" (products without taxes)")
                )
            lines.append(
                {
                    **self._loyalty_reward_base_values(reward, claim.coupon),
                    "product_id": reward.discount_line_product_id.id,
                    "name": self._loyalty_line_name(reward, suffix),
                    "price_unit": -price * factor,
                    "tax_ids": [Command.set(taxes.ids)],
                }
            )
        if lines:
            lines[0]["points_cost"] = cost
        return lines, amount

    def _loyalty_convert(self, amount, currency):
        return currency._convert(
            amount,
            self.currency_id,
            self.company_id,
            self.invoice_date or fields.Date.context_today(self),
        )

    def _loyalty_base_total(self):
        """What the customer would pay without any reward, taxes included."""
        return sum(self._loyalty_product_lines().mapped("price_total"))

    def _loyalty_discountable_line(self, line, quantity=None):
        """A line's amount a discount applies to (taxes included, fixed taxes
        excluded) and its taxes, with its amount in the terms of its unit price
        (taxes included or not, as its taxes say)."""
        taxes = line.tax_ids.filtered(lambda t: t.amount_type != "fixed")
        quantity = line.quantity if quantity is None else quantity
        price = line.price_unit * quantity * (1 - (line.discount or 0.0) / 100)
        if taxes == line.tax_ids:
            total = line.price_total * (
                quantity / line.quantity if line.quantity else 0
            )
        else:
            total = taxes.compute_all(
                line.price_unit * (1 - (line.discount or 0.0) / 100),
                currency=self.currency_id,
                quantity=quantity,
                product=line.product_id,
                partner=self.partner_id,
            )["total_included"]
        return total, taxes, price

    def _loyalty_discountable(self, lines):
        discountable = 0.0
        per_tax = defaultdict(float)
        for line in lines:
            if not line.quantity or not line.price_unit:
                continue
            total, taxes, price = self._loyalty_discountable_line(line)
            discountable += total
            per_tax[taxes] += price
        return discountable, dict(per_tax)

    def _discountable_order(self, reward):
        """Amount of the whole invoice a discount applies to, per taxes."""
        return self._loyalty_discountable(self._loyalty_product_lines())

    def _discountable_specific(self, reward):
        """Amount of the products of the reward, per taxes."""
        domain = reward._get_discount_product_domain()
        lines = self._loyalty_product_lines().filtered(
            lambda line: line.product_id and line.product_id.filtered_domain(domain)
        )
        return self._loyalty_discountable(lines)

    def _discountable_cheapest(self, reward):
        """One unit of the cheapest product of the invoice."""
        lines = self._loyalty_product_lines().filtered(
            lambda line: line.quantity > 0 and line.price_unit > 0
        )
        if not lines:
            return 0.0, {}
        cheapest = min(
            lines, key=lambda line: (line.price_total / line.quantity, line.id)
        )
        total, taxes, price = self._loyalty_discountable_line(cheapest, quantity=1.0)
        return total, {taxes: price}
