"""18.0.1.1.0: phone duplicate keys are E.164 numbers read by phone_validation
(they were the last 8 digits): compute them again for every partner."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Partner = env["res.partner"].with_context(active_test=False)
    partners = Partner.search(["|", ("phone", "!=", False), ("mobile", "!=", False)])
    for fname in ("crm_phone_key", "crm_mobile_key"):
        env.add_to_compute(Partner._fields[fname], partners)
    env.flush_all()
