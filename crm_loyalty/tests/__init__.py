from . import test_invoice_discounts
