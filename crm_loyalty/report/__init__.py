from . import crm_loyalty_liability_report
