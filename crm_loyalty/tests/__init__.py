from . import test_invoice_discounts
from . import test_points
from . import test_coupons
from . import test_tiers_expiry_liability
from . import test_security_offers
from . import test_ui_tour
from . import test_concurrency
