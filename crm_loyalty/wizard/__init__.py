from . import crm_loyalty_coupon_wizard
from . import crm_loyalty_reward_wizard
from . import crm_loyalty_offer_wizard
