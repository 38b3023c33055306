from . import test_customer_loyalty
