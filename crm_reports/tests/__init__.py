from . import test_funnel_pipeline
from . import test_sales_plan
