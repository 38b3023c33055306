from . import test_browser_reports
from . import test_everyday_reports
from . import test_funnel_pipeline
from . import test_money_reports
from . import test_report_security
from . import test_sales_plan
from . import test_precomputed_reports
