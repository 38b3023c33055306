from . import crm_lite_deal_lost
from . import base_partner_merge
from . import mail_compose_message
