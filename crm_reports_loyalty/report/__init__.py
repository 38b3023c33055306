from . import crm_lite_report_customer
