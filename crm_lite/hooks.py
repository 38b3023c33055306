from odoo.tools import SQL

from .models.crm_lite_deal import FOLLOWERS_INDEX
from .models.res_partner_duplicate import EMAIL_INDEX
from .models.res_partner_segmentation import CUSTOMER_MOVES_INDEX

# Indexes crm_lite made on the tables of other addons.
FOREIGN_INDEXES = (FOLLOWERS_INDEX, EMAIL_INDEX, CUSTOMER_MOVES_INDEX)


def uninstall_hook(env):
    """Drop the indexes crm_lite made on other addons' tables: Odoo drops only
    the tables and columns it knows an addon created."""
    for name in FOREIGN_INDEXES:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
