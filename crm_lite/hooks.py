from odoo.tools import SQL

from .models.crm_lite_deal import FOLLOWERS_INDEX


def uninstall_hook(env):
    """Drop the index crm_lite made on mail's followers: Odoo drops only the
    tables and columns it knows an addon created."""
    env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(FOLLOWERS_INDEX)))
