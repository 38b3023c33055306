from . import crm_lite_deal_lost
